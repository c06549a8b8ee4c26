#!/usr/bin/env node
// Runs a TypeScript entry point through tsx's loader, so `npx spectune` and the
// simulator work straight after `npm ci` with no separate build step.
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

register();
const [entry, ...rest] = process.argv.slice(2);
process.argv = [process.argv[0], resolve(entry), ...rest];
await import(pathToFileURL(resolve(entry)).href);
