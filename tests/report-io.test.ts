import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeReport } from '../src/core/report-io';
import type { Report } from '../src/shared/schemas';

describe('writeReport', () => {
  it('turns a folder that cannot be made into an IO_ERROR naming the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spectune-io-'));
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'not a folder');
    const target = join(blocker, 'sub', 'test_results.json');
    await expect(writeReport(target, {} as Report)).rejects.toMatchObject({ code: 'IO_ERROR', message: expect.stringContaining(target) });
  });
});
