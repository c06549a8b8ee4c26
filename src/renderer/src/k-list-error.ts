/**
 * The k list is one text box, so "must be a whole number from 0 to 32" alone does not say which
 * of "0, 3, 5.5, 7" is wrong. This names the item (position and text) and what is wrong with it,
 * or returns null when every item is a valid k (then the schema's own message, e.g. "each k only
 * once", stands).
 */
export function kListItemError(text: string, max = 32): string | null {
  const words = text.split(/[\s,;]+/).filter((w) => w !== '');
  const seen = new Map<number, number>();
  for (const [i, w] of words.entries()) {
    const where = `Item ${i + 1} (“${w}”)`;
    if (!/^-?\d+(\.\d+)?$/.test(w)) return `${where} is not a number: give whole numbers from 0 (baseline) to ${max}, separated by commas`;
    const k = Number(w);
    if (!Number.isInteger(k) || k < 0 || k > max) return `${where} must be a whole number from 0 (baseline) to ${max}`;
    const first = seen.get(k);
    if (first !== undefined) return `${where} repeats item ${first + 1}: give each k only once`;
    seen.set(k, i);
  }
  return null;
}
