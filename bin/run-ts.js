#!/usr/bin/env node
// Runs a TypeScript entry point through tsx's loader on the supported Node (see
// pinned-node.js), so `npx spectune`, the bench and the simulator work straight
// after `npm ci` with no separate build step.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { runOnSupportedNode } from './pinned-node.js';

await runOnSupportedNode();
const { register } = await import('tsx/esm/api');
register();
const [entry, ...rest] = process.argv.slice(2);
process.argv = [process.argv[0], resolve(entry), ...rest];
await import(pathToFileURL(resolve(entry)).href);
