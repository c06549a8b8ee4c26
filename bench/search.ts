/**
 * The search on every engine, against the simulator's own truth: each scenario is a
 * real sweep (persona processes, HTTP) whose knobs (--sim-alpha, --sim-draft-cost) give
 * the timing model one best k; the pick is judged by the model's expected speed
 * (the geometric mean over the plan's prompt cells), and its cost against what
 * measuring every k once would take (computed: one launch and the plan's requests per k).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { simulatorCommand } from '../src/core/simulator-command';
import { runSweep } from '../src/core/sweep';
import { ServerProcess } from '../src/core/server-process';
import { engineById } from '../src/engines';
import { identifyWith } from '../src/core/probes';
import { terminateTree } from '../src/node/process-tree';
import type { Report, SweepPlanInput } from '../src/shared/schemas';
import { personaExpectedTokensPerSecond, type PersonaTimingInput } from '../src/simulator/personas/expected';
import { freePort } from './processes';

type EngineKind = 'vllm' | 'llama.cpp' | 'mlx' | 'ollama';

export interface SearchScenario {
  name: string;
  engine: EngineKind;
  alpha: number;
  draftCost: number;
  /** Absent: the default plan (k = 0..8, adaptive). */
  tokens?: number[];
  promptTypes: string[];
  systemPrompts: string[];
  repeats: number;
}

const CELLS4 = { promptTypes: ['code', 'creative'], systemPrompts: ['empty', 'concise'] };

export const SEARCH_SCENARIOS: SearchScenario[] = [
  { name: 'llama.cpp, totals only, 0,2,4,6,8', engine: 'llama.cpp', alpha: 0.6, draftCost: 0.3, tokens: [0, 2, 4, 6, 8], ...CELLS4, repeats: 3 },
  { name: 'mlx_lm, no acceptance, k per request', engine: 'mlx', alpha: 0.75, draftCost: 0.18, ...CELLS4, repeats: 3 },
  { name: 'Ollama, a reload per k', engine: 'ollama', alpha: 0.7, draftCost: 0.1, ...CELLS4, repeats: 3 },
  { name: 'vLLM, per-position acceptance', engine: 'vllm', alpha: 0.75, draftCost: 0.18, ...CELLS4, repeats: 3 },
  { name: 'few prompts (2 cells × 3 repeats)', engine: 'vllm', alpha: 0.85, draftCost: 0.08, tokens: [0, 2, 4, 6], promptTypes: ['code', 'technical'], systemPrompts: ['empty'], repeats: 3 },
  { name: 'optimum at the grid edge', engine: 'vllm', alpha: 0.95, draftCost: 0.03, ...CELLS4, repeats: 3 },
  { name: 'speculation never pays', engine: 'vllm', alpha: 0.3, draftCost: 0.45, ...CELLS4, repeats: 3 },
  { name: 'flat top', engine: 'vllm', alpha: 0.8, draftCost: 0.15, ...CELLS4, repeats: 3 },
  { name: 'default plan, costly draft (llama.cpp)', engine: 'llama.cpp', alpha: 0.5, draftCost: 0.3, ...CELLS4, repeats: 3 },
];

const GRID = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const PERSONA: Record<EngineKind, PersonaTimingInput['persona']> = { vllm: 'vllm', 'llama.cpp': 'llama-server', mlx: 'mlx_lm.server', ollama: 'ollama' };

export interface SearchRow {
  scenario: string;
  trueBestK: number;
  pickK: number | null;
  /** True speed of the pick over the true best's. */
  vsTrueBest: number | null;
  launches: number;
  requests: number;
  /** What measuring every k once costs: one launch (restart engines) and the plan's requests each. */
  exhaustiveLaunches: number;
  exhaustiveRequests: number;
  measuredKs: number[];
  stopped: string;
}

interface Opts {
  stepMs: number;
  maxTokens: number;
}

function knobs(s: SearchScenario, o: Opts): string[] {
  return ['--sim-startup-ms', '50', '--sim-step-ms', String(o.stepMs), '--sim-alpha', String(s.alpha), '--sim-draft-cost', String(s.draftCost), '--sim-reload-ms', '200'];
}

function measurePart(s: SearchScenario, o: Opts) {
  return { ...(s.tokens ? { tokens: s.tokens } : { tokens: GRID }), promptTypes: s.promptTypes, systemPrompts: s.systemPrompts, repeats: s.repeats, maxTokens: o.maxTokens, ignoreEos: true };
}

async function managedPlan(s: SearchScenario, o: Opts): Promise<SweepPlanInput> {
  const port = await freePort();
  const common = { port, startupTimeoutMs: 30_000, stopGraceMs: 3_000, extraArgs: knobs(s, o) };
  const server =
    s.engine === 'vllm'
      ? { engine: 'vllm', command: simulatorCommand(), model: 'sim/target-7b', draftModel: 'sim/draft-0.5b', ...common }
      : s.engine === 'llama.cpp'
        ? { engine: 'llama.cpp', command: [...simulatorCommand(), 'llama-server', '--sim-build', '2026-06'], model: '/models/target.gguf', draftModel: '/models/draft.gguf', ...common }
        : { engine: 'mlx', command: [...simulatorCommand(), 'mlx_lm.server'], model: 'mlx-community/Qwen2.5-7B-Instruct-4bit', draftModel: 'mlx-community/Qwen2.5-0.5B-Instruct-4bit', ...common };
  return { mode: 'managed', server: server as SweepPlanInput['server'], ...measurePart(s, o) };
}

/** Ollama is attached: its persona is started here, as the user's own server would run. */
async function withOllama<T>(s: SearchScenario, o: Opts, run: (url: string) => Promise<T>): Promise<T> {
  const port = await freePort();
  const [file, ...args] = [...simulatorCommand(), 'ollama', '--port', String(port), '--model', 'qwen3.5:9b', '--sim-draft-head', ...knobs(s, o)];
  const child = execa(file, args, { detached: true, cleanup: false, reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' });
  void child.then(() => {}, () => {});
  const url = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 20_000;
    while (!(await identifyWith(engineById('ollama'), url, 500).catch(() => null))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('the Ollama persona did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    return await run(url);
  } finally {
    if (child.pid !== undefined) await terminateTree({ pgid: child.pid, graceMs: 2000 });
  }
}

async function sweep(s: SearchScenario, o: Opts, dir: string): Promise<Report> {
  const outPath = join(dir, 'test_results.json');
  if (s.engine === 'ollama') {
    return withOllama(s, o, (url) => runSweep({ plan: { mode: 'attached', url, engine: 'ollama', model: 'qwen3.5:9b', attachedChangesK: true, ...measurePart(s, o) }, outPath }));
  }
  const server = new ServerProcess();
  try {
    return await runSweep({ plan: await managedPlan(s, o), outPath, server });
  } finally {
    await server.stop().catch(() => undefined);
  }
}

/** The timing model's speed of k over the plan's prompt cells (each its own prompt length), as a geometric mean. */
function truthOf(s: SearchScenario, report: Report, o: Opts): (k: number) => number {
  const cells = new Map<string, number>();
  for (const m of report.measurements) if (m.metrics?.promptTokens) cells.set(`${m.promptType}\u0000${m.systemPrompt}`, m.metrics.promptTokens);
  const promptTokens = [...cells.values()];
  return (k) =>
    Math.exp(
      promptTokens.reduce((t, p) => t + Math.log(personaExpectedTokensPerSecond({ persona: PERSONA[s.engine], alpha: s.alpha, draftCost: s.draftCost, stepMs: o.stepMs, completionTokens: o.maxTokens, promptTokens: p, k })), 0) /
        promptTokens.length,
    );
}

export async function runSearchScenario(s: SearchScenario, o: Opts): Promise<SearchRow> {
  const dir = mkdtempSync(join(tmpdir(), 'spectune-bench-search-'));
  try {
    const report = await sweep(s, o, dir);
    const grid = s.tokens ?? GRID;
    const truth = truthOf(s, report, o);
    const trueBestK = grid.reduce((b, k) => (truth(k) > truth(b) ? k : b), grid[0]);
    const pickK = report.recommendation?.numSpeculativeTokens ?? null;
    const perK = s.promptTypes.length * s.systemPrompts.length * s.repeats;
    const restarts = s.engine === 'vllm' || s.engine === 'llama.cpp';
    return {
      scenario: s.name,
      trueBestK,
      pickK,
      vsTrueBest: pickK === null ? null : truth(pickK) / truth(trueBestK),
      launches: report.adaptive?.launches ?? 0,
      requests: report.measurements.length,
      exhaustiveLaunches: restarts ? grid.length : s.engine === 'mlx' ? 1 : 0,
      exhaustiveRequests: grid.length * perK,
      measuredKs: [...new Set(report.measurements.map((m) => m.numSpeculativeTokens ?? 0))].sort((a, b) => a - b),
      stopped: report.decision?.[0]?.stoppedBecause ?? 'none',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Issue 17's caps: adaptive (more than three k > 0) 6 launches on restart engines, 1 on mlx_lm, 7 × the plan's requests per k; exhaustive over n values n + 2 launches, 3n × them. */
export function capsOf(s: SearchScenario): { launches: number | null; requests: number } {
  const grid = s.tokens ?? GRID;
  const perK = s.promptTypes.length * s.systemPrompts.length * s.repeats;
  const adaptive = grid.filter((k) => k > 0).length > 3;
  const launches = s.engine === 'mlx' ? 1 : s.engine === 'ollama' ? null : adaptive ? 6 : grid.length + 2;
  return { launches, requests: adaptive ? 7 * perK : 3 * grid.length * perK };
}
