/**
 * Issue 20, item 7: a pick at either edge of the k grid is said, and the grid the app's
 * "Extend the search" reruns is the one that could overturn it.
 */
import { describe, expect, it } from 'vitest';
import { edgeOfGrid, extendedGrid } from '../src/shared/report/warnings';
import type { ConfigurationResult, LevelPick } from '../src/shared/schemas';

const config = (k: number): ConfigurationResult => ({ numSpeculativeTokens: k, draftModel: null, label: `${k} tokens` }) as ConfigurationResult;
const pick = (k: number, concurrency = 1): LevelPick => ({
  concurrency,
  numSpeculativeTokens: k,
  draftModel: null,
  tokensPerSecond: 50,
  aggregateTokensPerSecond: null,
  speedupPercent: 20,
  conservativeScore: null,
  unstable: false,
  confidence: 'high',
  reason: '',
});
const grid = [0, 3, 5, 7].map(config);

describe('edge of the grid', () => {
  it('the largest k tried: a larger may be faster', () => {
    const [w] = edgeOfGrid(grid, [pick(7)]);
    expect(w).toMatchObject({ kind: 'edge-of-grid', numSpeculativeTokens: 7 });
    expect(w.message).toMatch(/largest k this sweep tried, so a larger k may be faster still.*--tokens 0,7-14/);
  });

  it('the smallest k above 0 with room below: a smaller may be faster', () => {
    const [w] = edgeOfGrid(grid, [pick(3)]);
    expect(w.message).toMatch(/smallest k above 0 this sweep tried, so a smaller k may be faster.*--tokens 0-3/);
  });

  it('nothing inside the grid, at k = 1 (no k below it), or for the baseline', () => {
    expect(edgeOfGrid(grid, [pick(5)])).toEqual([]);
    expect(edgeOfGrid([0, 1, 2, 3].map(config), [pick(1)])).toEqual([]);
    expect(edgeOfGrid(grid, [pick(0)])).toEqual([]);
  });

  it('said once per k however many levels pick it', () => {
    expect(edgeOfGrid(grid, [pick(7), pick(7, 8)])).toHaveLength(1);
  });

  it('the extended grid keeps what was tried and adds the k past each edge (at most 32)', () => {
    expect(extendedGrid([0, 3, 5, 7], [7])).toEqual([0, 3, 5, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(extendedGrid([0, 3, 5, 7], [3])).toEqual([0, 1, 2, 3, 5, 7]);
    expect(extendedGrid([0, 20, 30], [30])).toEqual([0, 20, 30, 31, 32]);
  });
});
