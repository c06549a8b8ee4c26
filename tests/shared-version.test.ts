/** The dotted version parser and comparator the vLLM engine and the simulator's vLLM persona share. */
import { describe, expect, it } from 'vitest';
import { parseDottedVersion, versionAtLeast } from '../src/shared/version';

const v = (text: string) => {
  const parsed = parseDottedVersion(text);
  if (!parsed) throw new Error(`no version in ${text}`);
  return parsed;
};

// The parse cases (post, rc, +local suffixes) run through vllm-argv.test.ts, whose parseVllmVersion is this parser.
describe('parseDottedVersion', () => {
  it('is null for text without a dotted number', () => {
    expect(parseDottedVersion('version: 7800 (f07d3b6)')).toBeNull();
  });
});

describe('versionAtLeast', () => {
  it('compares major, then minor, then patch, numerically (not as text)', () => {
    expect(versionAtLeast(v('0.10.0'), 0, 9)).toBe(true);
    expect(versionAtLeast(v('0.9.2'), 0, 10)).toBe(false);
    expect(versionAtLeast(v('1.0'), 0, 24)).toBe(true);
    expect(versionAtLeast(v('0.24.0'), 1, 0)).toBe(false);
    expect(versionAtLeast(v('0.10.1rc1'), 0, 10, 1)).toBe(true);
    expect(versionAtLeast(v('0.10.0'), 0, 10, 1)).toBe(false);
    expect(versionAtLeast(v('0.15'), 0, 15)).toBe(true);
  });
});
