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

/** "0,3,5,7" → [0,3,5,7] */
export function tokenListArg(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (!parts.length) throw new InvalidArgumentError('give a comma-separated list like 0,3,5,7 (0 = baseline).');
  const ks = parts.map((p) => {
    if (!/^\d+$/.test(p) || Number(p) > 32) throw new InvalidArgumentError(`"${p}" is not a k from 0 to 32; give a list like 0,3,5,7.`);
    return Number(p);
  });
  if (new Set(ks).size !== ks.length) throw new InvalidArgumentError('each k only once.');
  return ks;
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
