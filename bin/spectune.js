#!/usr/bin/env node
// The `spectune` command. Loads the TypeScript CLI through tsx so it runs
// straight after `npm ci` with no separate build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
