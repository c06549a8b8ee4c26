/**
 * The embedded engine's server process: node-llama-cpp behind llama-server's
 * command line and HTTP dialect, so SpecTune launches, probes and measures it
 * exactly like a llama-server it started.
 *
 *   node bin/run-ts.js src/engines/embedded/server/main.ts \
 *     --model target.gguf [--model-draft draft.gguf --spec-draft-n-max K] --port P --host 127.0.0.1
 *
 * It listens first and loads afterwards, so /health says 503 "Loading model"
 * meanwhile (the launcher's readiness check is the same as for llama-server).
 * SIGTERM or SIGINT: stop listening, free the models, exit 0.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { ArgError, parseServerArgs, USAGE } from './args';
import type { ApiState } from './http-api';

const log = (line: string) => process.stderr.write(`${line}\n`);

function nodeLlamaCppVersion(): string {
  try {
    // The package's exports hide package.json: find it next to the resolved entry point (dist/index.js).
    const entry = fileURLToPath(import.meta.resolve('node-llama-cpp'));
    const pkg = JSON.parse(readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseServerArgs(argv);
  } catch (err) {
    if (err instanceof ArgError) {
      log(`error: ${err.message}\n\n${USAGE}`);
      process.exit(1);
    }
    throw err;
  }
  const version = nodeLlamaCppVersion();
  if (parsed.kind === 'version') {
    // Same shape as llama-server's `--version` (on stderr, like it).
    log(`version: 1 (embedded)\nbuilt with node-llama-cpp ${version} for ${process.platform}-${process.arch}`);
    return;
  }
  if (parsed.kind === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const args = parsed.args;
  if (args.ignored.length > 0) log(`main: ignored (CPU-only engine): ${args.ignored.join(', ')}`);
  // Loaded only to serve: --version and flag errors answer without zod and the HTTP stack.
  const { createApi } = await import('./http-api');
  const state: ApiState = {
    engine: null,
    modelPath: args.model,
    modelName: args.alias ?? args.model,
    buildInfo: `embedded node-llama-cpp ${version}`,
    log,
  };
  const server = createApi(state);
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    log(`main: ${why}: shutting down`);
    server.close();
    server.closeAllConnections();
    // A generation in native code finishes its current step first; do not wait on a hung one forever.
    const force = setTimeout(() => process.exit(0), 3000);
    force.unref();
    await state.engine?.dispose().catch(() => {});
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  await new Promise<void>((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      log(`main: couldn't bind HTTP server socket, hostname: ${args.host}, port: ${args.port} (${err.code ?? err.message})`);
      process.exit(1);
    });
    server.listen(args.port, args.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : args.port;
  log(`main: HTTP server is listening, hostname: ${args.host}, port: ${port}, http threads: 1`);
  log(`main: loading model ${args.model}${args.draftModel && args.draftMax > 0 ? ` with draft ${args.draftModel} (n_max ${args.draftMax}, p_min ${args.draftPMin})` : ''}`);
  const { EmbeddedEngine } = await import('./engine');
  try {
    const started = performance.now();
    const engine = await EmbeddedEngine.load(args, log);
    if (stopping) return;
    state.engine = engine;
    log(`main: model loaded in ${Math.round(performance.now() - started)} ms (context ${engine.contextSize}, threads ${args.threads})`);
    log(`main: server is listening on http://${args.host}:${port} - starting the main loop`);
  } catch (err) {
    log(`main: exiting due to model loading error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

await main(process.argv.slice(2));
