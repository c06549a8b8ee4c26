/**
 * Dotted release numbers as engines print them ("0.6.3.post1", "v0.10.1rc1",
 * "vllm 0.11.0+cu128"): the first `major.minor[.patch]` in the text, and an
 * "is it at least" comparison. Suffixes (post, rc, +local) are kept in `raw`
 * and do not take part in the comparison.
 */
export interface DottedVersion {
  major: number;
  minor: number;
  patch: number;
  /** The last word of the text as given, e.g. "0.11.0+cu128". */
  raw: string;
}

export function parseDottedVersion(text: string): DottedVersion | null {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return null;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), raw: text.trim().split(/\s+/).pop() ?? text.trim() };
}

/** True when `v` is `major.minor.patch` or later. */
export function versionAtLeast(v: DottedVersion, major: number, minor: number, patch = 0): boolean {
  if (v.major !== major) return v.major > major;
  if (v.minor !== minor) return v.minor > minor;
  return v.patch >= patch;
}
