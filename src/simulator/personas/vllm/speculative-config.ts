/**
 * The vLLM persona's speculative settings, checked against the impersonated
 * version the way that release would: `--speculative-config` JSON (0.8 on,
 * draft models refused on 0.10–0.14, the per-batch-size K schedule only from
 * 0.24) or the old `--speculative-model` flags (up to 0.7), and
 * speculative_disable_by_batch_size (honoured before 0.10 only).
 */
import { z } from 'zod';
import { formatZodError, SPEC_METHODS } from '../../../shared/schemas';
import { versionAtLeast as atLeast, type DottedVersion } from '../../../shared/version';
import { isLookupMethod } from '../../drafting';
import type { SimSpecMethod, SpecSchedule } from '../../model';
import { knobNumber as num } from '../knobs';
import { flagString as str, SimArgError } from './arg-error';

type FlagMap = ReadonlyMap<string, string | boolean | string[]>;

export interface SpeculativeSettings {
  method: SimSpecMethod;
  model: string | null;
  numSpeculativeTokens: number;
  promptLookupMax: number | null;
  promptLookupMin: number | null;
  /** num_speculative_tokens_per_batch_size (vLLM ≥ 0.24): [[start_bs, end_bs, K], …]; absent = fixed k. */
  schedule?: SpecSchedule;
  /** speculative_disable_by_batch_size, honoured before 0.10 only (a no-op with a warning after). */
  disableByBatchSize?: number;
}

/** What --speculative-config may hold; unknown keys pass like vLLM's extra config fields. */
const SpeculativeConfigSchema = z.looseObject({
  method: z.string().optional(),
  model: z.string().min(1, 'speculative_config.model must not be empty').nullable().optional(),
  num_speculative_tokens: z.number({ error: 'speculative_config.num_speculative_tokens must be a whole number from 1 to 32' }).int().min(1).max(32).optional(),
  prompt_lookup_max: z.number({ error: 'speculative_config.prompt_lookup_max must be a whole number ≥ 1' }).int().min(1).optional(),
  prompt_lookup_min: z.number({ error: 'speculative_config.prompt_lookup_min must be a whole number ≥ 1' }).int().min(1).optional(),
  // Checked by parseSchedule (version gate first, then the entries).
  num_speculative_tokens_per_batch_size: z.unknown().optional(),
  disable_by_batch_size: z.number({ error: 'speculative_config.disable_by_batch_size must be a whole number ≥ 1' }).int().min(1).optional(),
});

const SCHEDULE_KEY = 'num_speculative_tokens_per_batch_size';
const SCHEDULE_SHAPE = `speculative_config.${SCHEDULE_KEY} must be a non-empty list of [start_bs, end_bs, K] whole numbers, e.g. [[1, 8, 4], [9, 256, 0]]`;
const ScheduleSchema = z
  .array(z.tuple([z.number().int().min(1), z.number().int().min(1), z.number().int().min(0)], { error: SCHEDULE_SHAPE }), { error: SCHEDULE_SHAPE })
  .min(1, SCHEDULE_SHAPE);

/** Python's repr of a JSON value, for pydantic-style messages. */
const pyRepr = (v: unknown): string => JSON.stringify(v).replace(/,/g, ', ').replace(/:/g, ': ');

/**
 * The per-batch-size K schedule. Before 0.24 SpeculativeConfig has no such field
 * and pydantic refuses it at start-up; from 0.24 every entry is checked like
 * vLLM's validator: start ≤ end, K ≤ num_speculative_tokens, ranges apart.
 */
function parseSchedule(raw: unknown, version: DottedVersion, k: number): SpecSchedule | undefined {
  if (raw === undefined) return undefined;
  if (!atLeast(version, 0, 24)) {
    throw new SimArgError(
      `pydantic_core._pydantic_core.ValidationError: 1 validation error for SpeculativeConfig\n${SCHEDULE_KEY}\n` +
        `  Extra inputs are not permitted [type=extra_forbidden, input_value=${pyRepr(raw)}, input_type=${Array.isArray(raw) ? 'list' : typeof raw}]\n` +
        `    (vLLM ${version.raw} has no per-batch-size schedule; it arrived in 0.24 — drop ${SCHEDULE_KEY} or use vLLM ≥ 0.24)`,
      1,
    );
  }
  const parsed = ScheduleSchema.safeParse(raw);
  if (!parsed.success) throw new SimArgError(SCHEDULE_SHAPE, 1);
  const entries = parsed.data;
  entries.forEach(([start, end, K], i) => {
    const at = `speculative_config.${SCHEDULE_KEY}[${i}] = [${start}, ${end}, ${K}]`;
    if (start > end) throw new SimArgError(`${at}: start_bs ${start} is above end_bs ${end}; give [start_bs, end_bs, K] with start_bs ≤ end_bs`, 1);
    if (K > k) throw new SimArgError(`${at}: K ${K} is above num_speculative_tokens ${k}; lower K or raise num_speculative_tokens`, 1);
  });
  const sorted = entries.map((e, i) => ({ e, i })).sort((a, b) => a.e[0] - b.e[0]);
  for (let j = 1; j < sorted.length; j++) {
    const [prev, cur] = [sorted[j - 1], sorted[j]];
    if (cur.e[0] <= prev.e[1]) {
      throw new SimArgError(`speculative_config.${SCHEDULE_KEY}[${cur.i}] = [${cur.e.join(', ')}] overlaps entry [${prev.i}] = [${prev.e.join(', ')}]; batch-size ranges must not overlap`, 1);
    }
  }
  return entries.map(([a, b, K]) => [a, b, K] as const);
}

/** What vLLM infers when only a speculator model is named. */
function methodFromModel(model: string): SimSpecMethod {
  const m = model.toLowerCase();
  if (m === '[ngram]' || m === 'ngram') return 'ngram';
  if (m.includes('eagle3')) return 'eagle3';
  if (m.includes('eagle')) return 'eagle';
  if (m.includes('medusa')) return 'medusa';
  return 'draft_model';
}

/** Suffix decoding (vLLM PR 25784, merged October 2025): 0.11.1 is the first release after it. */
const SUFFIX_SINCE = [0, 11, 1] as const;

function normaliseMethod(raw: string, version: DottedVersion): SimSpecMethod {
  const m = raw === 'deepseek_mtp' ? 'mtp' : raw;
  if ((SPEC_METHODS as readonly string[]).includes(m)) return m as SimSpecMethod;
  if (m === 'suffix' && atLeast(version, ...SUFFIX_SINCE)) return 'suffix';
  const known = [...SPEC_METHODS, ...(atLeast(version, ...SUFFIX_SINCE) ? ['suffix'] : [])];
  const why = m === 'suffix' ? ` (suffix decoding arrived in vLLM ${SUFFIX_SINCE.join('.')}; this is ${version.raw})` : '';
  throw new SimArgError(`speculative_config.method "${raw}" is not supported${why}; use one of ${known.join(', ')}`, 1);
}

export function parseSpeculative(flags: FlagMap, version: DottedVersion): SpeculativeSettings | null {
  const legacy = !atLeast(version, 0, 8);
  const configRaw = str(flags.get('--speculative-config'));
  if (configRaw !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(configRaw);
    } catch (err) {
      throw new SimArgError(`argument --speculative-config: invalid JSON (${(err as Error).message}); pass a JSON object such as '{"method": "ngram", "num_speculative_tokens": 5, "prompt_lookup_max": 4}'`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new SimArgError('argument --speculative-config: must be a JSON object, e.g. \'{"method": "ngram", "num_speculative_tokens": 5}\'');
    }
    const parsed = SpeculativeConfigSchema.safeParse(json);
    if (!parsed.success) throw new SimArgError(`argument --speculative-config: ${formatZodError(parsed.error)}`);
    const c = parsed.data;
    const model = c.model ?? null;
    if (!c.method && !model) {
      throw new SimArgError('speculative_config needs "method" (ngram, suffix, eagle, eagle3, mtp, medusa, draft_model) or a draft "model"', 1);
    }
    const method = c.method ? normaliseMethod(c.method, version) : methodFromModel(model as string);
    if (method === 'draft_model' && atLeast(version, 0, 10) && !atLeast(version, 0, 15)) {
      throw new SimArgError(
        `NotImplementedError: Speculative decoding with draft model is not supported in vLLM ${version.raw}. ` +
          'Please consider using other speculative decoding methods such as ngram, medusa, eagle, or mtp (draft models return in 0.15).',
        1,
      );
    }
    if ((method === 'draft_model' || method === 'eagle' || method === 'eagle3' || method === 'medusa') && !model) {
      throw new SimArgError(`speculative_config.model is required for method "${method}" (the draft model or speculator head)`, 1);
    }
    const k = c.num_speculative_tokens ?? (method === 'mtp' ? 1 : undefined);
    if (k === undefined) {
      throw new SimArgError('speculative_config.num_speculative_tokens is required, e.g. {"num_speculative_tokens": 5}', 1);
    }
    const schedule = parseSchedule(c.num_speculative_tokens_per_batch_size, version, k);
    const disable = c.disable_by_batch_size;
    return {
      method,
      // Lookup methods draft from the text: a model named beside them is not loaded.
      model: isLookupMethod(method) ? null : model,
      numSpeculativeTokens: k,
      promptLookupMax: method === 'ngram' ? (c.prompt_lookup_max ?? 4) : null,
      promptLookupMin: method === 'ngram' ? (c.prompt_lookup_min ?? 1) : null,
      ...(schedule ? { schedule } : {}),
      ...(disable !== undefined ? { disableByBatchSize: disable } : {}),
    };
  }
  const specModel = str(flags.get('--speculative-model'));
  if (!legacy || specModel === undefined) return null;
  const kRaw = str(flags.get('--num-speculative-tokens'));
  if (kRaw === undefined) {
    throw new SimArgError('num_speculative_tokens must be provided with speculative_model (add --num-speculative-tokens K)', 1);
  }
  const k = num('--num-speculative-tokens', { int: true, min: 1, max: 32 }).safeParse(kRaw);
  if (!k.success) throw new SimArgError(`argument --num-speculative-tokens: ${formatZodError(k.error)}`);
  const method = methodFromModel(specModel);
  const lookup = (flag: string) => {
    const raw = str(flags.get(flag));
    if (raw === undefined) return null;
    const r = num(flag, { int: true, min: 1 }).safeParse(raw);
    if (!r.success) throw new SimArgError(`argument ${flag}: ${formatZodError(r.error)}`);
    return r.data;
  };
  return {
    method,
    model: method === 'ngram' ? null : specModel,
    numSpeculativeTokens: k.data,
    promptLookupMax: method === 'ngram' ? (lookup('--ngram-prompt-lookup-max') ?? 4) : null,
    promptLookupMin: method === 'ngram' ? (lookup('--ngram-prompt-lookup-min') ?? 1) : null,
  };
}

/**
 * speculative_disable_by_batch_size (flag, or disable_by_batch_size in the
 * config): V0 stopped drafting above that many running requests; the V1 engine
 * (0.10 on) ignores it, so those versions warn and drop it — a log a test can
 * read to prove a client never relies on it.
 */
export function disableByBatchSize(spec: SpeculativeSettings | null, flag: number | undefined, version: DottedVersion, warnings: string[]): SpeculativeSettings | null {
  const n = flag ?? spec?.disableByBatchSize;
  if (n === undefined) return spec;
  if (atLeast(version, 0, 10)) {
    warnings.push(`speculative_disable_by_batch_size=${n} has no effect: the V1 engine (vLLM ≥ 0.10) ignores it; use num_speculative_tokens_per_batch_size (≥ 0.24) to change K with load`);
    if (!spec) return null;
    const { disableByBatchSize: _ignored, ...rest } = spec;
    return rest;
  }
  return spec ? { ...spec, disableByBatchSize: n } : null;
}
