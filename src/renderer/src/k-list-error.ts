/**
 * The k list and the load levels are one text box each, so "must be a whole number from 0 to 32"
 * alone does not say which of "0, 3, 5.5, 7" is wrong. These name the item (position and text) and
 * what is wrong with it, or return null when every item is valid (then the schema's own message,
 * e.g. "each k only once", stands).
 */
import { MAX_CONCURRENCY } from '../../shared/schemas';

interface ListRule {
  min: number;
  max: number;
  /** "from 0 (baseline) to 32": how the allowed range is said. */
  range: string;
  /** "k", "level": what one item is. */
  item: string;
}

function listItemError(text: string, rule: ListRule): string | null {
  const words = text.split(/[\s,;]+/).filter((w) => w !== '');
  const seen = new Map<number, number>();
  for (const [i, w] of words.entries()) {
    const where = `Item ${i + 1} (“${w}”)`;
    if (!/^-?\d+(\.\d+)?$/.test(w)) return `${where} is not a number: give whole numbers ${rule.range}, separated by commas`;
    const n = Number(w);
    if (!Number.isInteger(n) || n < rule.min || n > rule.max) return `${where} must be a whole number ${rule.range}`;
    const first = seen.get(n);
    if (first !== undefined) return `${where} repeats item ${first + 1}: give each ${rule.item} only once`;
    seen.set(n, i);
  }
  return null;
}

export function kListItemError(text: string, max = 32): string | null {
  return listItemError(text, { min: 0, max, range: `from 0 (baseline) to ${max}`, item: 'k' });
}

/** Concurrent requests: 1 = one at a time; above MAX_CONCURRENCY a client measures itself, not the server. */
export function levelListItemError(text: string): string | null {
  return listItemError(text, { min: 1, max: MAX_CONCURRENCY, range: `from 1 (one request at a time) to ${MAX_CONCURRENCY}`, item: 'level' });
}
