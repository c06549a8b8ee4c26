import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlowestFilesReporter } from './tests/helpers/slowest-files.ts';

export default defineConfig({
  plugins: [react()],
  test: {
    include: ['tests/**/*.test.{ts,tsx}'],
    // Tests start real server processes; two cores cannot run many at once.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    environment: 'node',
    // The usual output, then the slowest files: where the time of `npm test` goes.
    reporters: ['default', new SlowestFilesReporter(10)],
    // Servers the tests launch are recorded in a run registry; keep it out of the user's own state folder.
    env: { SPECTUNE_STATE_DIR: mkdtempSync(join(tmpdir(), 'spectune-test-state-')) },
  },
});
