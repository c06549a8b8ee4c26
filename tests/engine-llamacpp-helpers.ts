/**
 * Test plumbing for the llama.cpp, mlx_lm and embedded engine tests: --help
 * texts laid out the way llama.cpp prints them (common_arg::to_string: a short
 * first flag padded to 7 columns, the description at column 40 or on the next
 * line when the flags are long, "(env: …)" continuation lines), an Ask from
 * recorded answers, an Ask over real HTTP, and executable stand-in scripts.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Ask, ProbeAnswer } from '../src/engines/engine';
import { parseOrThrow, ServerSettingsSchema, type ServerSettings } from '../src/shared/schemas';
import { askAt } from '../src/core/probes';

/** One help entry as llama.cpp renders it. */
export function helpEntry(args: string[], hint: string, desc: string, env?: string): string {
  let s = '';
  args.forEach((a, i) => {
    if (i === 0) {
      if (args.length === 1) s += a;
      else {
        const t = `${a}, `;
        s += t + ' '.repeat(Math.max(0, 7 - t.length));
      }
    } else s += a + (i < args.length - 1 ? ', ' : '');
  });
  if (hint) s += ` ${hint}`;
  s += s.length > 37 ? `\n${' '.repeat(40)}` : ' '.repeat(40 - s.length);
  const lines = desc.split('\n');
  if (env) lines.push(`(env: ${env})`);
  return s + lines.join(`\n${' '.repeat(40)}`);
}

const COMMON = [
  '----- common params -----',
  '',
  helpEntry(['-h', '--help', '--usage'], '', 'print usage and exit'),
  helpEntry(['--version'], '', 'show version and build info'),
  helpEntry(['-t', '--threads'], 'N', 'number of threads to use during generation (default: -1)', 'LLAMA_ARG_THREADS'),
  helpEntry(['-c', '--ctx-size'], 'N', 'size of the prompt context (default: 4096, 0 = loaded from model)', 'LLAMA_ARG_CTX_SIZE'),
  helpEntry(['-n', '--predict', '--n-predict'], 'N', 'number of tokens to predict (default: -1, -1 = infinity)', 'LLAMA_ARG_N_PREDICT'),
  helpEntry(['-b', '--batch-size'], 'N', 'logical maximum batch size (default: 2048)', 'LLAMA_ARG_BATCH'),
  helpEntry(['-ub', '--ubatch-size'], 'N', 'physical maximum batch size (default: 512)', 'LLAMA_ARG_UBATCH'),
  helpEntry(['-fa', '--flash-attn'], '[on|off|auto]', "set Flash Attention use ('on', 'off', or 'auto', default: 'auto')", 'LLAMA_ARG_FLASH_ATTN'),
  helpEntry(['-np', '--parallel'], 'N', 'number of parallel sequences to decode (default: 1)', 'LLAMA_ARG_N_PARALLEL'),
  helpEntry(['--mlock'], '', 'force system to keep model in RAM rather than swapping or compressing', 'LLAMA_ARG_MLOCK'),
  helpEntry(['--no-mmap'], '', 'do not memory-map model (slower load but may reduce pageouts if not using mlock)', 'LLAMA_ARG_NO_MMAP'),
  helpEntry(['-ngl', '--gpu-layers', '--n-gpu-layers'], 'N', 'max. number of layers to store in VRAM (default: -1)', 'LLAMA_ARG_N_GPU_LAYERS'),
  helpEntry(['-m', '--model'], 'FNAME', 'model path (default: `models/$filename` with filename from `--hf-file`\nor `--model-url` if set, otherwise models/7B/ggml-model-f16.gguf)', 'LLAMA_ARG_MODEL'),
  helpEntry(['-hf', '-hfr', '--hf-repo'], '<user>/<model>[:quant]', 'Hugging Face model repository; quant is optional, case-insensitive,\ndefault to Q4_K_M, or falls back to the first file in the repo if Q4_K_M\ndoesn\'t exist.', 'LLAMA_ARG_HF_REPO'),
  helpEntry(['-lv', '--verbosity', '--log-verbosity'], 'N', 'Set the verbosity threshold. Messages with a higher verbosity will be\nignored. Values:\n - 0: generic output\n - 1: error\n - 2: warning\n(default: 3)', 'LLAMA_ARG_LOG_VERBOSITY'),
  helpEntry(['-s', '--seed'], 'SEED', 'RNG seed (default: -1, use random seed for -1)'),
  helpEntry(['--temp'], 'N', 'temperature (default: 0.8)'),
  '',
];

const SERVER = [
  '',
  '----- example-specific params -----',
  '',
  helpEntry(['-a', '--alias'], 'STRING', 'set alias for model name (to be used by REST API)', 'LLAMA_ARG_ALIAS'),
  helpEntry(['--host'], 'HOST', 'ip address to listen, or bind to an UNIX socket if the address ends with\n.sock (default: 127.0.0.1)', 'LLAMA_ARG_HOST'),
  helpEntry(['--port'], 'PORT', 'port to listen (default: 8080)', 'LLAMA_ARG_PORT'),
  helpEntry(['--api-key'], 'KEY', 'API key to use for authentication (default: none)', 'LLAMA_API_KEY'),
  helpEntry(['--metrics'], '', 'enable prometheus compatible metrics endpoint (default: disabled)', 'LLAMA_ARG_ENDPOINT_METRICS'),
  helpEntry(['--slots'], '', 'enable slots monitoring endpoint (default: enabled)', 'LLAMA_ARG_ENDPOINT_SLOTS'),
  helpEntry(['--jinja'], '', 'use jinja template for chat (default: disabled)', 'LLAMA_ARG_JINJA'),
];

const NGRAM_TYPES = 'none,ngram-cache,ngram-simple,ngram-map-k,ngram-map-k4v,ngram-mod';

/** 2025: `-md` drafts by itself, draft length `--draft-max`. */
export const HELP_OLD = [
  ...COMMON,
  helpEntry(['-md', '--model-draft'], 'FNAME', 'draft model for speculative decoding (default: unused)', 'LLAMA_ARG_MODEL_DRAFT'),
  helpEntry(['--draft-max', '--draft', '--draft-n'], 'N', 'number of tokens to draft for speculative decoding (default: 16)', 'LLAMA_ARG_DRAFT_MAX'),
  helpEntry(['--draft-min', '--draft-n-min'], 'N', 'minimum number of draft tokens to use for speculative decoding\n(default: 0)', 'LLAMA_ARG_DRAFT_MIN'),
  helpEntry(['--draft-p-min'], 'P', 'minimum speculative decoding probability (greedy) (default: 0.8)', 'LLAMA_ARG_DRAFT_P_MIN'),
  helpEntry(['-ngld', '--gpu-layers-draft', '--n-gpu-layers-draft'], 'N', 'number of layers to store in VRAM for the draft model', 'LLAMA_ARG_N_GPU_LAYERS_DRAFT'),
  ...SERVER,
].join('\n');

/** Early 2026: an n-gram `--spec-type` (no draft-simple), old draft-length flags, `-md` still drafts. */
export const HELP_NGRAM_OLD_FLAGS = [
  ...COMMON,
  helpEntry(['-md', '--model-draft'], 'FNAME', 'draft model for speculative decoding (default: unused)', 'LLAMA_ARG_MODEL_DRAFT'),
  helpEntry(['--draft-max', '--draft', '--draft-n'], 'N', 'number of tokens to draft for speculative decoding (default: 16)', 'LLAMA_ARG_DRAFT_MAX'),
  helpEntry(['--draft-min', '--draft-n-min'], 'N', 'minimum number of draft tokens to use for speculative decoding\n(default: 0)', 'LLAMA_ARG_DRAFT_MIN'),
  helpEntry(['--spec-type'], `[${NGRAM_TYPES}]`, 'type of speculative decoding to use when no draft model is provided\n(default: none)'),
  ...SERVER,
].join('\n');

const REMOVED = [
  helpEntry(['--draft', '--draft-n', '--draft-max'], 'N', 'the argument has been removed. use --spec-draft-n-max or --spec-ngram-mod-n-max', 'LLAMA_ARG_DRAFT_MAX'),
  helpEntry(['--draft-min', '--draft-n-min'], 'N', 'the argument has been removed. use --spec-draft-n-min or --spec-ngram-mod-n-min', 'LLAMA_ARG_DRAFT_MIN'),
  helpEntry(['--spec-ngram-size-n'], 'N', 'the argument has been removed. use the respective --spec-ngram-*-size-n or --spec-ngram-mod-n-match'),
];

/** After the April 2026 rename (PR 22397): `--spec-draft-n-max`; the old spellings listed as removed. */
export const HELP_RENAMED = [
  ...COMMON,
  helpEntry(['--spec-draft-n-max'], 'N', 'number of tokens to draft for speculative decoding (default: 3)', 'LLAMA_ARG_SPEC_DRAFT_N_MAX'),
  helpEntry(['--spec-draft-n-min'], 'N', 'minimum number of draft tokens to use for speculative decoding (default: 0)', 'LLAMA_ARG_SPEC_DRAFT_N_MIN'),
  helpEntry(['--spec-draft-p-min', '--draft-p-min'], 'P', 'minimum speculative decoding probability (greedy) (default: 0.75)', 'LLAMA_ARG_SPEC_DRAFT_P_MIN'),
  helpEntry(['--spec-draft-model', '-md', '--model-draft'], 'FNAME', 'draft model for speculative decoding (default: unused)', 'LLAMA_ARG_SPEC_DRAFT_MODEL'),
  helpEntry(['--spec-type'], `[${NGRAM_TYPES}]`, 'comma-separated list of types of speculative decoding to use (default: none)', 'LLAMA_ARG_SPEC_TYPE'),
  ...REMOVED,
  ...SERVER,
].join('\n');

/** June 2026 (PR 23988): `-md` only loads the draft; `--spec-type draft-simple` drafts. The type list wraps. */
export const HELP_JUNE = [
  ...COMMON,
  helpEntry(['--spec-draft-n-max'], 'N', 'number of tokens to draft for speculative decoding (default: 3)', 'LLAMA_ARG_SPEC_DRAFT_N_MAX'),
  helpEntry(['--spec-draft-n-min'], 'N', 'minimum number of draft tokens to use for speculative decoding (default: 0)', 'LLAMA_ARG_SPEC_DRAFT_N_MIN'),
  helpEntry(['--spec-draft-p-min', '--draft-p-min'], 'P', 'minimum speculative decoding probability (greedy) (default: 0.75)', 'LLAMA_ARG_SPEC_DRAFT_P_MIN'),
  helpEntry(['--spec-draft-model', '-md', '--model-draft'], 'FNAME', 'draft model for speculative decoding (default: unused)', 'LLAMA_ARG_SPEC_DRAFT_MODEL'),
  helpEntry(
    ['--spec-type'],
    `[${NGRAM_TYPES},draft-simple,draft-eagle3,draft-mtp,draft-dflash]`,
    'comma-separated list of types of speculative decoding to use (default: none)',
    'LLAMA_ARG_SPEC_TYPE',
  ),
  helpEntry(['--spec-default'], '', 'enable the default speculative decoding config'),
  ...REMOVED,
  ...SERVER,
].join('\n');

/** A llama-server from before draft-model speculation reached the server (late 2024). */
export const HELP_NO_SPEC = [...COMMON, ...SERVER].join('\n');

export interface Recorded {
  status?: number;
  json?: unknown;
  text?: string;
  /** The simulator's marker header was on the answer. */
  simulated?: boolean;
}

/** An Ask answering from a map; a path not in it gets 404; a null entry is a network failure. */
export function recordedAsk(answers: Record<string, Recorded | null>): Ask {
  return async (path: string): Promise<ProbeAnswer | null> => {
    if (!(path in answers)) return { status: 404, json: undefined, text: 'Not Found', latencyMs: 1 };
    const a = answers[path];
    if (a === null) return null;
    const text = a.text ?? (a.json === undefined ? '' : JSON.stringify(a.json));
    return { status: a.status ?? 200, json: a.json, text, latencyMs: 1, simulated: a.simulated };
  };
}

/** Memoised GETs over real HTTP: the probe path's own (askAt), with room for a busy test machine. */
export const makeHttpAsk = (baseUrl: string): Ask => askAt(baseUrl, 5000);

export function settings(input: Record<string, unknown>): ServerSettings {
  return parseOrThrow(ServerSettingsSchema, { port: 8080, ...input });
}

/** A directory of executable stand-ins (sh scripts) for installed tools. */
export function scriptDir(scripts: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'spectune-engine-'));
  for (const [name, body] of Object.entries(scripts)) {
    const file = join(dir, name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
  }
  return dir;
}

export interface Launched {
  url: string;
  log: () => string;
  stop(): Promise<void>;
}

/** Starts argv in its own process group and waits for GET /health == 200, as the launcher does. */
export async function launchAndWait(argv: readonly string[], port: number, timeoutMs = 20_000): Promise<Launched> {
  const { spawn } = await import('node:child_process');
  const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let gone = false;
  void exited.then(() => (gone = true));
  const stop = async () => {
    if (gone || child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, 5000);
    await exited;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`exited before ready: ${argv.join(' ')}\n${out}`);
    try {
      const r = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      await r.text();
      if (r.status === 200) return { url, log: () => out, stop };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`not ready within ${timeoutMs} ms: ${argv.join(' ')}\n${out}`);
}

/** POSTs a streamed request and returns every data: object, in order ([DONE] left out). */
export async function streamChunks(url: string, path: string, body: unknown): Promise<Record<string, unknown>[]> {
  const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(20_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text}`);
  return text
    .split(/\r?\n/)
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).trim())
    .filter((d) => d !== '[DONE]')
    .map((d) => JSON.parse(d) as Record<string, unknown>);
}
