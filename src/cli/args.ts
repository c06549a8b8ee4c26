/**
 * Flag value parsers for commander: each rejects a bad value with a message
 * that names what was expected, so `spectune` fails with one clear line.
 */
import { InvalidArgumentError } from 'commander';
import { EndpointSchema, type Endpoint } from '../shared/schemas';

export function intArg(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*-?\d+\s*$/.test(value) || n < min || n > max) {
      throw new InvalidArgumentError(`must be a whole number${max < Number.MAX_SAFE_INTEGER ? ` from ${min} to ${max}` : ` ≥ ${min}`}.`);
    }
    return n;
  };
}

export function numberArg(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`must be a number from ${min} to ${max}.`);
    return n;
  };
}

/**
 * "0,3,5,7" → [0,3,5,7]; "1-8" → [0,1,…,8]; "0,2-6" → [0,2,3,4,5,6]. A range means a
 * sweep over k, which is only meaningful against the baseline, so it always brings k = 0.
 */
export function tokenListArg(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (!parts.length) throw new InvalidArgumentError('give a comma-separated list like 0,3,5,7 or a range like 1-8 (0 = baseline).');
  const ks: number[] = [];
  let ranged = false;
  for (const p of parts) {
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(p);
    if (range) {
      const [a, b] = [Number(range[1]), Number(range[2])];
      if (a > b || b > 32) throw new InvalidArgumentError(`"${p}" is not a range of k from 0 to 32 (low-high, e.g. 1-8).`);
      for (let k = a; k <= b; k++) ks.push(k);
      ranged = true;
      continue;
    }
    if (!/^\d+$/.test(p) || Number(p) > 32) throw new InvalidArgumentError(`"${p}" is not a k from 0 to 32; give a list like 0,3,5,7 or a range like 1-8.`);
    ks.push(Number(p));
  }
  if (new Set(ks).size !== ks.length) throw new InvalidArgumentError('each k only once (ranges and single values overlap).');
  if (ranged && !ks.includes(0)) ks.unshift(0);
  return ks;
}

/**
 * "1,8,32" → [1, 8, 32]. Only the shape is checked here (numbers, commas); the range, whole numbers and
 * duplicates are the plan schema's to refuse, so the CLI and the app say the same thing.
 */
export function numberListArg(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const bad = parts.find((p) => !/^[-+]?\d+(\.\d+)?$/.test(p));
  if (bad !== undefined) throw new InvalidArgumentError(`${bad === '' ? 'an empty item' : `"${bad}"`} is not a number; give a comma-separated list like 1,8,32.`);
  return parts.map(Number);
}

/** A number checked by the plan schema (a whole number in its range), not here. */
export function plainNumberArg(value: string): number {
  if (!/^\s*[-+]?\d+(\.\d+)?\s*$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a number.`);
  return Number(value);
}

export function listArg(value: string): string[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (!items.length) throw new InvalidArgumentError('give a comma-separated list of ids.');
  return items;
}

/** --endpoint NAME=URL, repeatable. */
export function endpointArg(value: string, previous: Endpoint[] = []): Endpoint[] {
  const eq = value.indexOf('=');
  const raw = eq > 0 ? { name: value.slice(0, eq), url: value.slice(eq + 1) } : { name: value, url: value };
  const parsed = EndpointSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidArgumentError('give NAME=URL, e.g. "llama.cpp=http://127.0.0.1:8080".');
  return [...previous, parsed.data];
}
