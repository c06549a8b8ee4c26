/**
 * The vLLM persona's command line, shaped like vLLM's: `serve MODEL [flags]` or the
 * old `--model MODEL` api_server form. Flags are checked against the impersonated
 * vLLM version the way that release would: removed flags are argparse errors
 * (exit 2), unsupported speculation is a start-up error (exit 1; speculative-config.ts). Unknown flags
 * are accepted with a warning so real vLLM argv (e.g. --trust-remote-code) runs.
 *
 * Hand-parsed rather than with commander: vLLM's lenient unknown-flag handling
 * and version-dependent flag sets do not map onto a declarative parser.
 */
import { z } from 'zod';
import { parseDottedVersion, versionAtLeast as atLeast, type DottedVersion } from '../../../shared/version';
import { knobNumber as num, SHARED_KNOB_FLAGS, SHARED_KNOB_SHAPE, sharedKnobs, TIMING_KNOBS_HELP, type SharedKnobs } from '../knobs';
import { flagString as str, SimArgError } from './arg-error';
import { disableByBatchSize, parseSpeculative, type SpeculativeSettings } from './speculative-config';

export { SimArgError };

export const DEFAULT_SIM_VERSION = '0.24.1';

/** The shared knobs plus what only the vLLM persona has. */
export interface SimKnobs extends SharedKnobs {
  /** --sim-schedule-overhead: every step × (1 + F) while a K schedule is configured (vLLM issue 49548). */
  scheduleOverhead: number;
  metrics: 'v1' | 'v0';
  orphanExitMs: number;
}

export interface SimOptions {
  version: DottedVersion;
  model: string;
  servedModelNames: string[];
  host: string;
  port: number;
  gpuMemoryUtilization: number;
  tensorParallelSize: number;
  maxModelLen: number;
  disableLogRequests: boolean;
  enforceEager: boolean;
  seed: number;
  /** --max-num-seqs: at most this many requests decode at once; the rest wait (vllm:num_requests_waiting). */
  maxNumSeqs: number;
  /**
   * Like vLLM: --api-key, else VLLM_API_KEY; when set, /v1/* answers 401 without
   * `Authorization: Bearer <key>` (tests use it to prove the server got the real key).
   */
  apiKey: string | null;
  speculative: SpeculativeSettings | null;
  sim: SimKnobs;
  /** Unknown or deprecated flags, to log as warnings. */
  warnings: string[];
  /** Flags given, for the "non-default args" log line. */
  given: Record<string, string | boolean | string[]>;
}

export type ParsedCommand =
  | { kind: 'version'; version: string }
  | { kind: 'help'; text: string }
  | { kind: 'serve'; options: SimOptions };

type FlagKind = 'value' | 'bool' | 'multi';

/** Flags the simulator understands; anything else is an unknown flag. */
const FLAGS: Record<string, FlagKind> = {
  '--model': 'value',
  '--host': 'value',
  '--port': 'value',
  '--served-model-name': 'multi',
  '--gpu-memory-utilization': 'value',
  '--tensor-parallel-size': 'value',
  '--max-model-len': 'value',
  '--disable-log-requests': 'bool',
  '--enforce-eager': 'bool',
  '--seed': 'value',
  '--max-num-seqs': 'value',
  '--api-key': 'value',
  '--hf-token': 'value',
  '--speculative-config': 'value',
  '--speculative-model': 'value',
  '--num-speculative-tokens': 'value',
  '--ngram-prompt-lookup-max': 'value',
  '--ngram-prompt-lookup-min': 'value',
  '--speculative-disable-by-batch-size': 'value',
  '--use-v2-block-manager': 'bool',
  '--version': 'bool',
  '--help': 'bool',
  '--sim-version': 'value',
  ...SHARED_KNOB_FLAGS,
  '--sim-schedule-overhead': 'value',
  '--sim-metrics': 'value',
  '--sim-orphan-exit-ms': 'value',
};

const LEGACY_SPEC_FLAGS = ['--speculative-model', '--num-speculative-tokens', '--ngram-prompt-lookup-max', '--ngram-prompt-lookup-min'];

interface Tokens {
  positionals: string[];
  flags: Map<string, string | boolean | string[]>;
  unknown: string[];
}

/** vLLM's short aliases for flags the simulator understands. */
const SHORT_FLAGS: Record<string, string> = { '-h': '--help', '-tp': '--tensor-parallel-size' };

/** vLLM accepts --max_model_len as --max-model-len, and short aliases such as -tp. */
function normaliseFlag(word: string): string {
  if (!word.startsWith('--')) return SHORT_FLAGS[word] ?? word;
  return '--' + word.slice(2).replace(/_/g, '-');
}

/** A flag word: `--name` or a short `-x` (not a negative number, which is a value). */
const isFlagWord = (word: string): boolean => /^--./.test(word) || /^-[A-Za-z]/.test(word);

function tokenise(argv: readonly string[]): Tokens {
  const positionals: string[] = [];
  const flags = new Map<string, string | boolean | string[]>();
  const unknown: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (!isFlagWord(word)) {
      positionals.push(word);
      continue;
    }
    const eq = word.indexOf('=');
    const name = normaliseFlag(eq >= 0 ? word.slice(0, eq) : word);
    const inline = eq >= 0 ? word.slice(eq + 1) : undefined;
    const kind = FLAGS[name];
    const nextIsValue = i + 1 < argv.length && !isFlagWord(argv[i + 1]);
    if (kind === 'bool') {
      flags.set(name, inline === undefined ? true : !/^(false|0|no)$/i.test(inline));
    } else if (kind === 'value') {
      if (inline !== undefined) flags.set(name, inline);
      else if (i + 1 < argv.length) flags.set(name, argv[++i]);
      else throw new SimArgError(`argument ${name}: expected one argument`);
    } else if (kind === 'multi') {
      const values = inline !== undefined ? [inline] : [];
      while (i + 1 < argv.length && !isFlagWord(argv[i + 1])) values.push(argv[++i]);
      if (values.length === 0) throw new SimArgError(`argument ${name}: expected at least one argument`);
      flags.set(name, values);
    } else {
      // Unknown: take a value when one follows, like most vLLM flags.
      unknown.push(name);
      if (inline !== undefined) flags.set(name, inline);
      else if (nextIsValue) flags.set(name, argv[++i]);
      else flags.set(name, true);
    }
  }
  return { positionals, flags, unknown };
}

/** "8192", "8k", "32K" → tokens (vLLM accepts the suffixed form too). */
const maxModelLen = z
  .string()
  .regex(/^\d+[kK]?$/, '--max-model-len must be a whole number of tokens, e.g. 8192 or 8k')
  .transform((v) => (/[kK]$/.test(v) ? Number(v.slice(0, -1)) * 1024 : Number(v)))
  .refine((v) => v >= 16, '--max-model-len must be at least 16');

const FlagValuesSchema = z.object({
  '--host': z.string().min(1, '--host must not be empty').default('127.0.0.1'),
  '--port': num('--port', { int: true, min: 0, max: 65535 }).default(8000),
  '--gpu-memory-utilization': num('--gpu-memory-utilization', { gt: 0, max: 1 }).default(0.9),
  '--tensor-parallel-size': num('--tensor-parallel-size', { int: true, min: 1, max: 64 }).default(1),
  '--max-model-len': maxModelLen.default(8192),
  '--seed': num('--seed', { int: true }).default(0),
  '--max-num-seqs': num('--max-num-seqs', { int: true, min: 1, max: 65_536 }).default(256),
  '--speculative-disable-by-batch-size': num('--speculative-disable-by-batch-size', { int: true, min: 1 }).optional(),
  ...SHARED_KNOB_SHAPE,
  '--sim-schedule-overhead': num('--sim-schedule-overhead', { min: 0, max: 10 }).optional(),
  '--sim-metrics': z.enum(['v1', 'v0'], { error: '--sim-metrics must be v1 or v0' }).optional(),
  '--sim-orphan-exit-ms': num('--sim-orphan-exit-ms', { int: true, min: 100 }).default(120_000),
});

const USAGE = `usage: vllm serve MODEL [options]          (spectune simulator — no model is loaded)
       vllm --model MODEL [options]         (python -m vllm.entrypoints.openai.api_server form)
       vllm --version

vLLM options: --host H (127.0.0.1) --port P (8000) --served-model-name N… --max-model-len N
  --gpu-memory-utilization F --tensor-parallel-size N --seed N --disable-log-requests --enforce-eager
  --max-num-seqs N (256: requests decoding at once; the rest wait)
  --api-key KEY (default: $VLLM_API_KEY; /v1 requests then need "Authorization: Bearer KEY") --hf-token T (ignored)
  --speculative-config JSON (vLLM ≥ 0.8; methods draft_model, ngram, eagle, eagle3, mtp, medusa, and suffix from 0.11.1;
                             num_speculative_tokens_per_batch_size [[start_bs, end_bs, K], …] from 0.24)
  --speculative-disable-by-batch-size N (honoured before 0.10; a warned no-op from 0.10)
  --speculative-model M|[ngram] --num-speculative-tokens K --ngram-prompt-lookup-max N (vLLM ≤ 0.7)
Simulator options:
  --sim-version X            impersonate vLLM X (default ${DEFAULT_SIM_VERSION})
  --sim-startup-ms N         time before /health turns 200 (default 300)
  --sim-fail-startup         die before ready with a CUDA out-of-memory error
  --sim-crash-after N        server and engine die after N completed requests
  --sim-http-500-rate P      answer this share of completion requests with HTTP 500
  --sim-http-500-every N     answer every Nth completion request with HTTP 500
  --sim-stall-after-tokens N streams stop sending after N tokens, connection left open
  --sim-ignore-sigterm       API server and engine ignore SIGTERM
${TIMING_KNOBS_HELP}  --sim-schedule-overhead F  every step × (1 + F) while num_speculative_tokens_per_batch_size is set (default 0)
  --sim-metrics v1|v0        spec-decode metrics as V1 counters or V0 gauges
                             (default: V0 before 0.8 and for draft models on 0.8–0.9)
`;

/**
 * Drops the `serve` subcommand, which may follow simulator-only flags: a server command such as
 * `spectune sim --sim-version 0.23.0` gets `serve MODEL …` appended by the launcher.
 */
function withoutServe(argv: readonly string[]): readonly string[] {
  let i = 0;
  while (i < argv.length && argv[i].startsWith('--sim-')) i += argv[i].includes('=') || FLAGS[argv[i]] !== 'value' ? 1 : 2;
  return argv[i] === 'serve' ? [...argv.slice(0, i), ...argv.slice(i + 1)] : argv;
}

/**
 * Flags this version no longer (or not yet) takes are argparse errors; a deprecated
 * no-op and unknown flags are warnings to log.
 */
function flagWarnings(t: Tokens, version: DottedVersion): string[] {
  const legacy = !atLeast(version, 0, 8);
  const rejected: string[] = [];
  if (legacy && t.flags.has('--speculative-config')) rejected.push('--speculative-config');
  if (!legacy) rejected.push(...LEGACY_SPEC_FLAGS.filter((f) => t.flags.has(f)));
  if (atLeast(version, 0, 10) && t.flags.has('--use-v2-block-manager')) rejected.push('--use-v2-block-manager');
  if (rejected.length > 0) {
    const why = legacy
      ? `vLLM ${version.raw} takes --speculative-model/--num-speculative-tokens; --speculative-config arrived in 0.8`
      : rejected.includes('--use-v2-block-manager')
        ? `--use-v2-block-manager was removed (a no-op since 0.6.4)`
        : `vLLM ${version.raw} takes --speculative-config JSON; the old speculative flags were removed in 0.8`;
    throw new SimArgError(`unrecognized arguments: ${rejected.join(' ')} (${why})`);
  }
  const warnings: string[] = [];
  if (t.flags.has('--use-v2-block-manager')) warnings.push('use_v2_block_manager is deprecated and has no effect; do not pass --use-v2-block-manager');
  for (const u of t.unknown) warnings.push(`unknown argument ${u}: accepted and ignored by the simulator`);
  return warnings;
}

export function parseSimArgs(argv: readonly string[]): ParsedCommand {
  const words = withoutServe(argv);
  const t = tokenise(words);
  const versionRaw = str(t.flags.get('--sim-version')) ?? DEFAULT_SIM_VERSION;
  const version = parseDottedVersion(versionRaw);
  if (!version) throw new SimArgError(`argument --sim-version: "${versionRaw}" is not a version like 0.15.1`);
  if (t.flags.get('--version') === true) return { kind: 'version', version: version.raw };
  if (t.flags.get('--help') === true) return { kind: 'help', text: USAGE };

  const warnings = flagWarnings(t, version);
  const legacy = !atLeast(version, 0, 8);
  const fromFlag = str(t.flags.get('--model'));
  const model = fromFlag ?? t.positionals[0];
  if (!model) throw new SimArgError('the following arguments are required: model_tag (use `serve MODEL` or `--model MODEL`)');
  const extra = t.positionals.slice(fromFlag === undefined ? 1 : 0);
  if (extra.length > 0) throw new SimArgError(`unrecognized arguments: ${extra.join(' ')}`);

  const values: Record<string, string> = {};
  for (const key of Object.keys(FlagValuesSchema.shape)) {
    const v = str(t.flags.get(key));
    if (v !== undefined) values[key] = v;
  }
  const parsed = FlagValuesSchema.safeParse(values);
  if (!parsed.success) throw new SimArgError(`argument ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  const f = parsed.data;
  let knobs: SharedKnobs;
  try {
    knobs = sharedKnobs(f, (name) => t.flags.get(name));
  } catch (err) {
    throw new SimArgError((err as Error).message);
  }

  const parsedSpec = parseSpeculative(t.flags, version);
  const speculative = disableByBatchSize(parsedSpec, f['--speculative-disable-by-batch-size'], version, warnings);
  // Which engine's metrics: V0 before 0.8, and 0.8–0.9 fell back to V0 for draft models.
  const v0Engine = legacy || (!atLeast(version, 0, 10) && speculative?.method === 'draft_model');
  const served = t.flags.get('--served-model-name');
  const given: SimOptions['given'] = {};
  for (const [k, v] of t.flags) given[k] = v;

  return {
    kind: 'serve',
    options: {
      version,
      model,
      servedModelNames: Array.isArray(served) ? served : [model],
      host: f['--host'],
      port: f['--port'],
      gpuMemoryUtilization: f['--gpu-memory-utilization'],
      tensorParallelSize: f['--tensor-parallel-size'],
      maxModelLen: f['--max-model-len'],
      disableLogRequests: t.flags.get('--disable-log-requests') === true,
      enforceEager: t.flags.get('--enforce-eager') === true,
      seed: f['--seed'],
      maxNumSeqs: f['--max-num-seqs'],
      apiKey: str(t.flags.get('--api-key')) || process.env.VLLM_API_KEY || null,
      speculative,
      sim: {
        ...knobs,
        scheduleOverhead: f['--sim-schedule-overhead'] ?? 0,
        metrics: f['--sim-metrics'] ?? (v0Engine ? 'v0' : 'v1'),
        orphanExitMs: f['--sim-orphan-exit-ms'],
      },
      warnings,
      given,
    },
  };
}
