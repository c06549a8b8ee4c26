/** The end-of-run list of slowest test files (tests/helpers/slowest-files.ts). */
import { describe, expect, it } from 'vitest';
import { slowestLines } from './helpers/slowest-files';

describe('slowest test files', () => {
  it('lists the slowest first, aligned, with their share of all files’ time', () => {
    const lines = slowestLines(
      [
        { file: 'tests/a.test.ts', seconds: 3.25, tests: 1 },
        { file: 'tests/b.test.ts', seconds: 120.5, tests: 22 },
        { file: 'tests/c.test.ts', seconds: 41, tests: 4 },
      ],
      2,
    );
    expect(lines).toEqual([
      'Slowest test files (time each held a worker: environment, imports, tests):',
      '  120.5 s  tests/b.test.ts (22 tests)',
      '   41.0 s  tests/c.test.ts (4 tests)',
      '  these 2: 162 s of 165 s in all 3 files',
    ]);
  });

  it('says nothing when no file ran', () => {
    expect(slowestLines([], 10)).toEqual([]);
  });
});
