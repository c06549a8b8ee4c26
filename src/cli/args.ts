/**
 * Flag value parsers for commander: each rejects a bad value with a message
 * that names what was expected, so `spectune` fails with one clear line.
 */
import { InvalidArgumentError } from 'commander';
import { EndpointSchema, type Endpoint } from '../shared/schemas';
import { parseKList, parseMethodList, parsePMinList } from '../shared/plan-builder';

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

/** "0,3,5,7", "1-8", "0,2-6": the plan builder's k-list syntax, refused in its words. */
export function tokenListArg(value: string): number[] {
  const r = parseKList(value, 'flag');
  if (!r.ok) throw new InvalidArgumentError(r.error);
  return r.value;
}

/** "0,0.3,0.6": the plan builder's cut-off list, refused in its words. */
export function pMinListArg(value: string): number[] {
  const r = parsePMinList(value);
  if (!r.ok) throw new InvalidArgumentError(r.error);
  return r.value;
}

/** "draft-simple,ngram-simple": method words; which ones the engine takes is checked with the plan. */
export function methodListArg(value: string): string[] {
  const r = parseMethodList(value);
  if (!r.ok) throw new InvalidArgumentError(r.error);
  return r.value;
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
