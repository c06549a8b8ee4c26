/** Synthetic measurements over load levels: speculation pays one request at a time and costs at 32 in flight. */
import { BUILTIN_PROMPT_TYPES, BUILTIN_SYSTEM_PROMPTS } from '../../src/shared/prompts';
import type { BuildReportInput } from '../../src/shared/report-builder';
import { SweepPlanSchema, type Measurement } from '../../src/shared/schemas';
import { mulberry32 } from '../../src/shared/stats';

const PT = ['code', 'creative'];
const SP = ['direct', 'empty'];

/** Per-request tok/s by (k, level): speculation pays one at a time and costs at 32 in flight. */
const SPEED: Record<number, Record<number, number>> = {
  1: { 0: 100, 3: 160, 5: 150 },
  8: { 0: 80, 3: 96, 5: 88 },
  32: { 0: 40, 3: 30, 5: 25 },
};

export function measurements(levels: number[], opts: { rounds?: number; noise?: (k: number, level: number, round: number) => number; outputDiffersAt?: number } = {}): Measurement[] {
  const rand = mulberry32(7);
  const out: Measurement[] = [];
  for (const level of levels)
    for (const k of [0, 3, 5])
      for (let r = 0; r < (opts.rounds ?? 3); r++)
        // A round at level c covers the matrix ceil(c / matrix size) times.
        for (let pass = 0; pass < Math.ceil(level / (PT.length * SP.length)); pass++)
          for (const pt of PT)
            for (const sp of SP) {
              const tps = SPEED[level][k] * (1 + (rand() - 0.5) * 0.02) * (opts.noise?.(k, level, r) ?? 1);
              const tokens = 128;
              out.push({
                numSpeculativeTokens: k,
                promptType: pt,
                systemPrompt: sp,
                repeat: r,
                ...(level > 1 ? { concurrency: level } : {}),
                startedAt: new Date(Date.UTC(2026, 10, 28) + r * 10_000 + pass * 100).toISOString(),
                ok: true,
                metrics: {
                  ttftSeconds: level > 1 ? 0.4 : 0.05,
                  totalSeconds: tokens / tps,
                  completionTokens: tokens,
                  promptTokens: 40,
                  tokensEstimated: false,
                  tokensPerSecond: tps,
                  decodeTokensPerSecond: tps,
                  chunkCount: tokens,
                  interChunk: { count: tokens - 1, medianSeconds: 1 / tps, p95Seconds: 2 / tps, p99Seconds: 3 / tps, maxSeconds: 4 / tps },
                  finishReason: 'length',
                  outputHash: level === opts.outputDiffersAt && k > 0 ? `other-${pt}` : `hash-${pt}-${sp}`,
                  outputChars: 500,
                },
              });
            }
  return out;
}

export function input(levels: number[], ms: Measurement[], over: Partial<BuildReportInput> & { target?: number } = {}): BuildReportInput {
  const plan = SweepPlanSchema.parse({
    mode: 'managed',
    server: { model: 'm', draftModel: 'd' },
    tokens: [0, 3, 5],
    promptTypes: PT,
    systemPrompts: SP,
    concurrency: levels,
    ...(over.target ? { targetConcurrency: over.target } : {}),
  });
  return {
    plan,
    promptTypes: BUILTIN_PROMPT_TYPES.filter((p) => PT.includes(p.id)),
    systemPrompts: BUILTIN_SYSTEM_PROMPTS.filter((p) => SP.includes(p.id)),
    server: { kind: 'vllm', url: 'http://127.0.0.1:8000', model: 'm', draftModel: 'd', method: 'draft_model', engineVersion: '0.24.0', simulated: false, command: ['vllm'] },
    measurements: ms,
    configs: [0, 3, 5].map((k) => ({ numSpeculativeTokens: k, failed: false })),
    createdAt: '2026-11-28T00:00:00.000Z',
    finishedAt: '2026-11-28T00:01:00.000Z',
    status: 'complete',
    toolVersion: '0.0.0-test',
    commandFor: (c) => ({ argv: ['vllm', 'serve', 'm', '--k', String(c.numSpeculativeTokens)], command: `vllm serve m --k ${c.numSpeculativeTokens}` }),
    ...over,
  };
}

