/**
 * What users type for a sweep, as numbers: the k list (the CLI's syntax everywhere: lists and
 * ranges like `1-8` or `0,2-6`), the load levels, and single whole numbers. Every refusal names
 * the field or item and says what would be valid, so a form can show it beside the box and the
 * CLI after the flag.
 */
import { MAX_CONCURRENCY } from '../schemas';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * How a message points at the item it is about: a form's box by the item's position and text
 * (“Item 3 (“5.5”)”), a flag's value by its text alone (commander already names the flag).
 */
export type Naming = 'field' | 'flag';

/** The largest draft length a plan takes (the k schema's bound). */
export const MAX_K = 32;

interface ListRule {
  min: number;
  max: number;
  /** "from 0 (baseline) to 32": how a form says the allowed range. */
  range: string;
  /** What one item is: "k", "level". */
  item: string;
  /** Items like `1-8` are ranges (k lists); a range always brings the baseline 0. */
  ranges: boolean;
  empty: string;
}

const K_RULE: ListRule = {
  min: 0,
  max: MAX_K,
  range: `from 0 (baseline) to ${MAX_K}`,
  item: 'k',
  ranges: true,
  empty: 'give at least one k: a list like 0,3,5,7 or a range like 1-8 (0 = baseline)',
};

const LEVEL_RULE: ListRule = {
  min: 1,
  max: MAX_CONCURRENCY,
  range: `from 1 (one request at a time) to ${MAX_CONCURRENCY}`,
  item: 'level',
  ranges: false,
  empty: 'give at least one concurrency level, e.g. 1 or 1,8,32',
};

type Problem = 'not-a-number' | 'out-of-range' | 'bad-range';

function problemMessage(problem: Problem, word: string, index: number, rule: ListRule, naming: Naming): string {
  if (naming === 'flag') {
    const range = `from ${rule.min} to ${rule.max}`;
    if (problem === 'bad-range') return `"${word}" is not a range of ${rule.item} ${range} (low-high, e.g. 1-8).`;
    return `"${word}" is not a ${rule.item} ${range}; give a list like 0,3,5,7${rule.ranges ? ' or a range like 1-8' : ''}.`;
  }
  const where = `Item ${index + 1} (“${word}”)`;
  if (problem === 'bad-range') return `${where} is not a range of ${rule.item} ${rule.range}: write it low-high, e.g. 1-8`;
  if (problem === 'out-of-range') return `${where} must be a whole number ${rule.range}`;
  return `${where} is not a number: give whole numbers ${rule.range}, separated by commas${rule.ranges ? ', or a range like 1-8' : ''}`;
}

function repeatMessage(word: string, index: number, first: number, rule: ListRule, naming: Naming): string {
  if (naming === 'flag') return `"${word}" comes twice: give each ${rule.item} only once.`;
  return `Item ${index + 1} (“${word}”) repeats item ${first + 1}: give each ${rule.item} only once`;
}

/** Items as typed: commas, semicolons or spaces between them; in a list of ranges, `2 - 4` is one item. */
function words(text: string, rule: ListRule): string[] {
  const joined = rule.ranges ? text.replace(/(\d)\s*-\s*(?=\d)/g, '$1-') : text;
  return joined.split(/[\s,;]+/).filter((w) => w !== '');
}

/** One item's values, or what is wrong with it. */
function itemValues(word: string, rule: ListRule): { values: number[]; ranged: boolean } | Problem {
  const range = rule.ranges ? /^(\d+)-(\d+)$/.exec(word) : null;
  if (range) {
    const [a, b] = [Number(range[1]), Number(range[2])];
    if (a > b || a < rule.min || b > rule.max) return 'bad-range';
    return { values: Array.from({ length: b - a + 1 }, (_, i) => a + i), ranged: true };
  }
  if (!/^[-+]?\d+(\.\d+)?$/.test(word)) return 'not-a-number';
  const n = Number(word);
  if (!Number.isInteger(n) || n < rule.min || n > rule.max) return 'out-of-range';
  return { values: [n], ranged: false };
}

function parseList(text: string, rule: ListRule, naming: Naming): Parsed<number[]> {
  const items = words(text, rule);
  if (items.length === 0) return { ok: false, error: rule.empty };
  const firstItem = new Map<number, number>();
  const out: number[] = [];
  let ranged = false;
  for (const [i, word] of items.entries()) {
    const got = itemValues(word, rule);
    if (typeof got === 'string') return { ok: false, error: problemMessage(got, word, i, rule, naming) };
    for (const n of got.values) {
      const first = firstItem.get(n);
      if (first !== undefined) return { ok: false, error: repeatMessage(word, i, first, rule, naming) };
      firstItem.set(n, i);
      out.push(n);
    }
    ranged ||= got.ranged;
  }
  // A range is a sweep over k, which means something only against the baseline.
  if (ranged && !firstItem.has(0)) out.unshift(0);
  return { ok: true, value: out };
}

/** "0,3,5,7" → [0,3,5,7]; "1-8" → [0,1,…,8]; "0,2-6" → [0,2,3,4,5,6]. */
export function parseKList(text: string, naming: Naming = 'field'): Parsed<number[]> {
  return parseList(text, K_RULE, naming);
}

/** "1, 8, 32" → [1, 8, 32]: requests kept in flight at once, each level once. */
export function parseLevelList(text: string): Parsed<number[]> {
  return parseList(text, LEVEL_RULE, 'field');
}

/**
 * The k list as far as it reads, for chips beside the box while the user types: each item's
 * values (a range expanded), null for an item that is not one.
 */
export function kListPreview(text: string): (number | null)[] {
  const items = words(text, K_RULE).map((w) => itemValues(w, K_RULE));
  const out = items.flatMap((got) => (typeof got === 'string' ? [null] : got.values));
  const ranged = items.some((got) => typeof got !== 'string' && got.ranged);
  return ranged && !out.includes(0) ? [0, ...out] : out;
}

/** The valid, distinct levels in a list as typed, ascending: what "Recommend for" can offer. */
export function levelsAsTyped(text: string): number[] {
  const valid = words(text, LEVEL_RULE).flatMap((w) => {
    const got = itemValues(w, LEVEL_RULE);
    return typeof got === 'string' ? [] : got.values;
  });
  return [...new Set(valid)].sort((a, b) => a - b);
}

export interface NumberSpec {
  /** As the user knows the field: "repeats", "max tokens". */
  name: string;
  min: number;
  max: number;
  example: number;
}

export const REPEATS: NumberSpec = { name: 'repeats', min: 1, max: 100, example: 3 };
export const MAX_TOKENS: NumberSpec = { name: 'max tokens', min: 1, max: 32_768, example: 256 };
export const MAX_REPEATS: NumberSpec = { name: 'max repeats', min: 1, max: 300, example: 9 };
export const SLO_TTFT: NumberSpec = { name: 'the TTFT p99 bound', min: 0, max: 3_600_000, example: 500 };
export const SLO_ITL: NumberSpec = { name: 'the inter-token latency p99 bound', min: 0, max: 3_600_000, example: 50 };
export const TARGET_LEVEL: NumberSpec = { name: 'the level to recommend for', min: 1, max: MAX_CONCURRENCY, example: 8 };

/** A whole number in its field's range. */
export function parseWholeNumber(text: string, spec: NumberSpec): Parsed<number> {
  const t = text.trim();
  const range = `a whole number from ${spec.min} to ${spec.max}, e.g. ${spec.example}`;
  if (t === '') return { ok: false, error: `give ${spec.name}: ${range}` };
  const n = Number(t);
  if (!/^[-+]?\d+(\.\d+)?$/.test(t) || !Number.isInteger(n)) return { ok: false, error: `${spec.name} must be ${range}` };
  // Worded as the plan schema words it, so the form and the services say the same.
  if (n < spec.min) return { ok: false, error: `${spec.name} must be ${spec.min} or more` };
  if (n > spec.max) return { ok: false, error: `${spec.name} must be at most ${spec.max}, e.g. ${spec.example}` };
  return { ok: true, value: n };
}

/** A latency bound in milliseconds: a number above the spec's min (decimals allowed, e.g. 37.5). */
export function parseMilliseconds(text: string, spec: NumberSpec): Parsed<number> {
  const t = text.trim().replace(/\s*ms$/i, '');
  const range = `a number of milliseconds above ${spec.min}, e.g. ${spec.example}`;
  if (!/^\d+(\.\d+)?$/.test(t)) return { ok: false, error: `${spec.name} must be ${range}` };
  const n = Number(t);
  if (n <= spec.min) return { ok: false, error: `${spec.name} must be above ${spec.min} ms, e.g. ${spec.example}` };
  if (n > spec.max) return { ok: false, error: `${spec.name} must be at most ${spec.max} ms, e.g. ${spec.example}` };
  return { ok: true, value: n };
}
