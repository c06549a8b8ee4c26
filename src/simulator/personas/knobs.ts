/**
 * The `--sim-*` knobs every persona shares with the vLLM simulator: timing
 * (step time, α, draft cost, jitter), model (re)load cost, and fault injection.
 * Same names and meanings as `spectune sim serve`, so one test recipe
 * (e.g. --sim-alpha 0.8 --sim-draft-cost 0.15) gives the same optimum k on
 * every engine.
 */
import { z } from 'zod';
import { DEFAULT_CONFIDENCE_SPREAD, type DraftProfile, type DraftProfiles } from '../drafting';
import { DEFAULT_STEP_MS, TOKEN_COMPUTE_SHARE } from '../model';
import type { FlagKind, ParsedFlags } from './flags';
import { flagValue } from './flags';

/** The timing and fault knobs every persona takes, vLLM's included. */
export interface SharedKnobs {
  startupMs: number;
  failStartup: boolean;
  crashAfter: number | null;
  http500Rate: number | null;
  http500Every: number | null;
  stallAfterTokens: number | null;
  ignoreSigterm: boolean;
  stepMs: number;
  draftCost: number | null;
  alpha: number | null;
  jitter: number;
  /** --sim-token-compute-ms: verification compute per token per running sequence; null = TOKEN_COMPUTE_SHARE × stepMs. */
  tokenComputeMs: number | null;
  /** --sim-draft NAME:ALPHA:COST,…: α and cost per draft model name (over --sim-alpha, --sim-draft-cost and the size rule). */
  draftProfiles: DraftProfiles;
  /** --sim-confidence-spread: the draft's per-token confidence is Beta with mean α and variance spread × α(1 − α). */
  confidenceSpread: number;
}

/** The shared knobs plus what only the single-process personas use (vLLM has its own --seed). */
export interface PersonaKnobs extends SharedKnobs {
  /** Time a model (re)load takes: Ollama runner reloads, mlx_lm/LM Studio draft swaps. */
  reloadMs: number;
  seed: number;
}

const DEFAULT_RELOAD_MS = 1500;

/** The knobs of `spectune sim serve` that every persona takes too, with the same meaning. */
export const SHARED_KNOB_FLAGS: Record<string, FlagKind> = {
  '--sim-startup-ms': 'value',
  '--sim-fail-startup': 'bool',
  '--sim-crash-after': 'value',
  '--sim-http-500-rate': 'value',
  '--sim-http-500-every': 'value',
  '--sim-stall-after-tokens': 'value',
  '--sim-ignore-sigterm': 'bool',
  '--sim-step-ms': 'value',
  '--sim-draft-cost': 'value',
  '--sim-alpha': 'value',
  '--sim-jitter': 'value',
  '--sim-token-compute-ms': 'value',
  '--sim-draft': 'value',
  '--sim-confidence-spread': 'value',
};

/** Every persona's knobs: the shared ones plus reload time and a seed (vLLM has its own --seed). */
export const SIM_KNOB_FLAGS: Record<string, FlagKind> = {
  ...SHARED_KNOB_FLAGS,
  '--sim-reload-ms': 'value',
  '--sim-seed': 'value',
};

/** A numeric flag value; the message names the flag and the range it takes. */
export const knobNumber = (flag: string, o: { int?: boolean; min?: number; max?: number; gt?: number } = {}) => {
  const range =
    o.gt !== undefined ? ` greater than ${o.gt}` : o.min !== undefined && o.max !== undefined ? ` from ${o.min} to ${o.max}` : o.min !== undefined ? ` ≥ ${o.min}` : '';
  const msg = `${flag} must be ${o.int ? 'a whole number' : 'a number'}${range}`;
  let s = z.coerce.number({ error: msg }).refine(Number.isFinite, msg);
  if (o.int) s = s.refine(Number.isInteger, msg);
  if (o.min !== undefined) s = s.refine((v) => v >= (o.min as number), msg);
  if (o.max !== undefined) s = s.refine((v) => v <= (o.max as number), msg);
  if (o.gt !== undefined) s = s.refine((v) => v > (o.gt as number), msg);
  return s;
};

const DRAFT_SHAPE = '--sim-draft entries are NAME:ALPHA:COST with 0 ≤ ALPHA < 1 and 0 ≤ COST ≤ 10, either may be empty (e.g. qwen2.5-1.5b-instruct:0.8:0.3 or d.gguf::0.4)';

/** --sim-draft a:0.8:0.3,b::0.1 → {a: {alpha: 0.8, draftCost: 0.3}, b: {draftCost: 0.1}}. */
function parseDraftProfiles(raw: string, ctx: z.RefinementCtx): DraftProfiles {
  const out: Record<string, DraftProfile> = {};
  for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    // The name may hold colons itself (an Ollama tag): ALPHA and COST are the last two fields.
    const parts = entry.split(':');
    const name = parts.slice(0, -2).join(':');
    const [a, c] = parts.slice(-2);
    const alpha = a === undefined || a === '' ? undefined : Number(a);
    const draftCost = c === undefined || c === '' ? undefined : Number(c);
    if (parts.length < 3 || !name || (alpha !== undefined && !(alpha >= 0 && alpha < 1)) || (draftCost !== undefined && !(draftCost >= 0 && draftCost <= 10))) {
      ctx.addIssue({ code: 'custom', message: `${DRAFT_SHAPE}; got "${entry}"` });
      return z.NEVER;
    }
    out[name] = { ...(alpha !== undefined ? { alpha } : {}), ...(draftCost !== undefined ? { draftCost } : {}) };
  }
  return out;
}

/** The valued shared knobs, validated (the vLLM simulator extends this shape with its own flags). */
export const SHARED_KNOB_SHAPE = {
  '--sim-startup-ms': knobNumber('--sim-startup-ms', { int: true, min: 0, max: 3_600_000 }).default(300),
  '--sim-crash-after': knobNumber('--sim-crash-after', { int: true, min: 1 }).optional(),
  '--sim-http-500-rate': knobNumber('--sim-http-500-rate', { min: 0, max: 1 }).optional(),
  '--sim-http-500-every': knobNumber('--sim-http-500-every', { int: true, min: 1 }).optional(),
  '--sim-stall-after-tokens': knobNumber('--sim-stall-after-tokens', { int: true, min: 0 }).optional(),
  '--sim-step-ms': knobNumber('--sim-step-ms', { gt: 0, max: 10_000 }).default(DEFAULT_STEP_MS),
  '--sim-draft-cost': knobNumber('--sim-draft-cost', { min: 0, max: 10 }).optional(),
  '--sim-alpha': knobNumber('--sim-alpha', { min: 0, max: 0.999 }).optional(),
  '--sim-jitter': knobNumber('--sim-jitter', { min: 0, max: 0.9 }).default(0.03),
  '--sim-token-compute-ms': knobNumber('--sim-token-compute-ms', { min: 0, max: 10_000 }).optional(),
  '--sim-draft': z.string().transform(parseDraftProfiles).optional(),
  '--sim-confidence-spread': knobNumber('--sim-confidence-spread', { min: 0.01, max: 0.99 }).default(DEFAULT_CONFIDENCE_SPREAD),
};

type SharedKnobValues = z.infer<z.ZodObject<typeof SHARED_KNOB_SHAPE>>;

/**
 * The shared knobs from validated values and the boolean flags as given; throws Error when two
 * knobs contradict each other (the caller words it in its engine's way).
 */
export function sharedKnobs(f: SharedKnobValues, flag: (name: string) => unknown): SharedKnobs {
  if (f['--sim-http-500-rate'] !== undefined && f['--sim-http-500-every'] !== undefined) {
    throw new Error('give --sim-http-500-rate or --sim-http-500-every, not both');
  }
  return {
    startupMs: f['--sim-startup-ms'],
    failStartup: flag('--sim-fail-startup') === true,
    crashAfter: f['--sim-crash-after'] ?? null,
    http500Rate: f['--sim-http-500-rate'] ?? null,
    http500Every: f['--sim-http-500-every'] ?? null,
    stallAfterTokens: f['--sim-stall-after-tokens'] ?? null,
    ignoreSigterm: flag('--sim-ignore-sigterm') === true,
    stepMs: f['--sim-step-ms'],
    draftCost: f['--sim-draft-cost'] ?? null,
    alpha: f['--sim-alpha'] ?? null,
    jitter: f['--sim-jitter'],
    tokenComputeMs: f['--sim-token-compute-ms'] ?? null,
    draftProfiles: f['--sim-draft'] ?? {},
    confidenceSpread: f['--sim-confidence-spread'],
  };
}

const KnobSchema = z.object({
  ...SHARED_KNOB_SHAPE,
  '--sim-reload-ms': knobNumber('--sim-reload-ms', { int: true, min: 0, max: 600_000 }).default(DEFAULT_RELOAD_MS),
  '--sim-seed': knobNumber('--sim-seed', { int: true }).default(0),
});

/** Reads the shared knobs; throws Error with a message naming the flag and its range. */
export function parseKnobs(p: ParsedFlags): PersonaKnobs {
  const values: Record<string, string> = {};
  for (const key of Object.keys(KnobSchema.shape)) {
    const v = flagValue(p, key);
    if (v !== undefined) values[key] = v;
  }
  const r = KnobSchema.safeParse(values);
  if (!r.success) throw new Error(r.error.issues.map((i) => i.message).join('; '));
  const f = r.data;
  return { ...sharedKnobs(f, (name) => p.flags.get(name)), reloadMs: f['--sim-reload-ms'], seed: f['--sim-seed'] };
}

/** The timing knobs' help, shared word for word with the vLLM persona's usage. */
export const TIMING_KNOBS_HELP = `  --sim-step-ms MS           target forward-step time (default ${DEFAULT_STEP_MS})
  --sim-alpha A              per-token acceptance for every prompt (default: by prompt kind and method;
                             for a draft model also by its size against the target's, read from the
                             names: a 1.5b draft accepts more than a 0.5b one and costs more per token;
                             a name without a size gets the 0.5B-on-7B numbers). n-gram and suffix
                             draft only where the text repeats (often on code, rarely on creative
                             writing, most on a prompt holding text to rewrite): fewer than k a step
  --sim-draft-cost C         draft/target cost ratio per draft pass (default per method; a sized draft
                             model from 0.18 at 0.5B on 7B to 1 at the target's own size)
  --sim-draft NAME:ALPHA:COST[,…]
                             α and cost for the draft model NAME (its exact name or file name; either
                             number may be empty), over --sim-alpha, --sim-draft-cost and the size rule
  --sim-confidence-spread S  the draft's confidence per token is Beta with mean α and variance
                             S × α(1−α) (default ${DEFAULT_CONFIDENCE_SPREAD}); a token is accepted with that probability,
                             and under a cut-off p_min drafting stops at the first token below it
  --sim-jitter J             relative step-time noise (default 0.03)
  --sim-token-compute-ms MS  verification compute per token per decoding sequence: a step costs
                             max(step, MS × running × (drafted+1)) + step × draft passes × draft cost
                             (default ${TOKEN_COMPUTE_SHARE} × --sim-step-ms)
`;

export const KNOBS_HELP = `Simulator knobs (every persona):
  --sim-startup-ms N         model load time at start-up (default 300)
  --sim-fail-startup         model load fails, exit 1
  --sim-crash-after N        exit 1 abruptly after N completed requests
  --sim-http-500-rate P      answer this share of generation requests with HTTP 500
  --sim-http-500-every N     answer every Nth generation request with HTTP 500
  --sim-stall-after-tokens N streams stop after N tokens, connection left open
  --sim-ignore-sigterm       ignore SIGTERM (only SIGKILL stops it)
${TIMING_KNOBS_HELP}  --sim-reload-ms N          model reload time (Ollama option change, draft swap; default ${DEFAULT_RELOAD_MS})
  --sim-seed N               seed for jitter and injected faults (default 0)
`;
