/**
 * The embedded server's command line: llama-server's flags, so the launcher can
 * build one argv for both. Unknown flags are errors, as in llama-server
 * ("error: invalid argument: X"), because a silently ignored flag would make a
 * sweep measure something other than what it says.
 */
export interface ServerArgs {
  model: string;
  draftModel: string | null;
  /** Draft length; 0 = no speculation. */
  draftMax: number;
  /** Confidence cut-off: drafting stops at the first token the draft gives less than this probability (0 = never). */
  draftPMin: number;
  host: string;
  port: number;
  /** null = the model's training context, capped (see main.ts). */
  contextSize: number | null;
  threads: number;
  alias: string | null;
  /** Flags accepted for compatibility that change nothing here (told on stderr at start-up). */
  ignored: string[];
}

export type ParsedArgs = { kind: 'version' } | { kind: 'help' } | { kind: 'serve'; args: ServerArgs };

export class ArgError extends Error {}

/** llama-server's default for --spec-draft-n-max (2026 builds). */
export const DEFAULT_DRAFT_MAX = 3;

export const USAGE = `usage: main.ts --model FILE [--model-draft FILE --spec-draft-n-max K] --port P [--host 127.0.0.1]

  -m,  --model FILE               target model (GGUF)
  -md, --model-draft FILE         draft model (GGUF, same vocabulary); alias --spec-draft-model
       --spec-draft-n-max K       draft length (default ${DEFAULT_DRAFT_MAX}; 0 = no speculation);
                                  aliases --draft-max, --draft, --draft-n
       --spec-draft-n-min N       accepted for compatibility (a short draft is still verified)
       --draft-p-min P            confidence cut-off, 0 <= P < 1 (default 0): stop drafting at the
                                  first token whose draft probability is below P; alias --spec-draft-p-min
       --spec-type TYPE           none | draft-simple (default: draft-simple when a draft is given)
       --host HOST                default 127.0.0.1
       --port P                   default 8080
  -c,  --ctx-size N               context size (default: the model's, at most 4096)
  -t,  --threads N                CPU threads per context (default 1: more were far slower on 2 cores)
  -a,  --alias NAME               model name in /v1/models
  -np, --parallel 1               accepted; requests are served one at a time
  -ngl, --n-gpu-layers N          accepted and ignored (CPU only); also -ngld / --n-gpu-layers-draft
       --version                  print the version and exit
`;

const FLAGS: Record<string, keyof Pending> = {
  '-m': 'model',
  '--model': 'model',
  '-md': 'draftModel',
  '--model-draft': 'draftModel',
  '--spec-draft-model': 'draftModel',
  '--spec-draft-n-max': 'draftMax',
  '--draft-max': 'draftMax',
  '--draft': 'draftMax',
  '--draft-n': 'draftMax',
  '--spec-draft-n-min': 'draftMin',
  '--draft-min': 'draftMin',
  '--draft-p-min': 'draftPMin',
  '--spec-draft-p-min': 'draftPMin',
  '--spec-type': 'specType',
  '--host': 'host',
  '--port': 'port',
  '-c': 'contextSize',
  '--ctx-size': 'contextSize',
  '-t': 'threads',
  '--threads': 'threads',
  '-a': 'alias',
  '--alias': 'alias',
  '-np': 'parallel',
  '--parallel': 'parallel',
  // GPU offload flags a llama-server command line often carries: there is no GPU
  // here (the CPU binary is loaded), so they are accepted and reported as ignored.
  '-ngl': 'gpuLayers',
  '--n-gpu-layers': 'gpuLayers',
  '--gpu-layers': 'gpuLayers',
  '-ngld': 'gpuLayers',
  '--n-gpu-layers-draft': 'gpuLayers',
  '--gpu-layers-draft': 'gpuLayers',
};

interface Pending {
  model?: string;
  draftModel?: string;
  draftMax?: string;
  draftMin?: string;
  draftPMin?: string;
  specType?: string;
  host?: string;
  port?: string;
  contextSize?: string;
  threads?: string;
  alias?: string;
  parallel?: string;
  gpuLayers?: string;
}

export function parseServerArgs(argv: readonly string[]): ParsedArgs {
  const p: Pending = {};
  const ignored: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i];
    if (raw === '--version') return { kind: 'version' };
    if (raw === '-h' || raw === '--help') return { kind: 'help' };
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const key = FLAGS[flag];
    if (!key) throw new ArgError(`invalid argument: ${raw}`);
    const value = eq > 0 ? raw.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new ArgError(`${flag} needs a value`);
    if (key === 'gpuLayers') ignored.push(`${flag} ${value}`);
    p[key] = value;
  }
  if (!p.model) throw new ArgError('--model FILE is required (the target GGUF)');
  const specType = p.specType ?? (p.draftModel ? 'draft-simple' : 'none');
  if (specType !== 'none' && specType !== 'draft-simple') {
    throw new ArgError(`--spec-type ${specType} is not supported by the embedded engine: use none or draft-simple`);
  }
  if (specType === 'draft-simple' && !p.draftModel) throw new ArgError('--spec-type draft-simple needs --model-draft FILE');
  const draftMax = int(p.draftMax, '--spec-draft-n-max', DEFAULT_DRAFT_MAX, 0, 64);
  int(p.draftMin, '--spec-draft-n-min', 0, 0, 64);
  const draftPMin = probability(p.draftPMin, '--draft-p-min');
  if (p.parallel !== undefined && int(p.parallel, '--parallel', 1, 1, 1) !== 1) throw new ArgError('--parallel must be 1');
  return {
    kind: 'serve',
    args: {
      model: p.model,
      draftModel: p.draftModel ?? null,
      draftMax: specType === 'none' || !p.draftModel ? 0 : draftMax,
      draftPMin,
      host: p.host ?? '127.0.0.1',
      port: int(p.port, '--port', 8080, 0, 65535),
      contextSize: p.contextSize === undefined ? null : int(p.contextSize, '--ctx-size', 0, 16, 1 << 20),
      threads: int(p.threads, '--threads', 1, 1, 256),
      alias: p.alias ?? null,
      ignored,
    },
  };
}

function int(value: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value)) throw new ArgError(`${flag} must be a whole number (got "${value}")`);
  const n = Number(value);
  if (n < min || n > max) throw new ArgError(`${flag} must be between ${min} and ${max} (got ${n})`);
  return n;
}

/** A cut-off probability, 0 ≤ P < 1: at 1 almost nothing would be drafted, which is k = 0 said another way. */
function probability(value: string | undefined, flag: string): number {
  if (value === undefined) return 0;
  if (!/^(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?$/i.test(value)) throw new ArgError(`${flag} must be a number from 0 up to (not including) 1, e.g. 0.5 (got "${value}")`);
  const n = Number(value);
  if (n >= 1) throw new ArgError(`${flag} must be below 1 (got ${value}): 0 drafts every token, a higher value only tokens the draft model is surer of`);
  return n;
}
