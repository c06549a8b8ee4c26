/**
 * `spectune sweep`: flags → a validated plan → the shared sweep runner →
 * tables, or JSON with --json. Progress goes to stderr so stdout stays clean.
 */
import { resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { Command, Option } from 'commander';
import pc from 'picocolors';
import { freePort } from '../node/port-check';
import { runSweep } from '../core/sweep';
import { simulatorCommand } from '../core/simulator-command';
import { probeAll } from '../core/probes';
import { assertNoManagedFlags, stopAllServers } from '../core/server-process';
import { describeKept } from '../core/report-keeper';
import { handleCancelSignals } from './cancel-signals';
import { sweepOutcome } from './outcome';
import { SpecTuneError } from '../shared/errors';
import { assertDistinctPromptIds, DEFAULT_PROMPT_TYPE_IDS, DEFAULT_SYSTEM_PROMPT_IDS, MAX_PROMPTS_FILE_BYTES, resolvePromptTypes, resolveSystemPrompts } from '../shared/prompts';
import { readFileCapped } from '../node/read-file-capped';
import {
  CustomPromptsFileSchema,
  DEFAULT_ENDPOINTS,
  formatZodError,
  type CustomPromptsFile,
  type SweepPlan,
} from '../shared/schemas';
import { buildSweepPlan, knobIssues, MAX_TOKENS, PLAN_DEFAULTS, REPEATS, type PlanTarget } from '../shared/plan-builder';
import { splitArgs } from '../shared/shell-words';
import { DEFAULT_ENGINE, ENGINE_IDS, methodTakesDraft } from '../shared/engine-descriptor';
import { ENGINES, engineById } from '../engines';
import type { Engine } from '../engines/engine';
import { startDemoServer, type DemoServer } from '../core/demo-server';
import { intArg, listArg, methodListArg, numberArg, numberListArg, plainNumberArg, pMinListArg, tokenListArg } from './args';
import { formatEta, formatReport, formatStatus } from './output';

interface SweepFlags {
  engine?: string;
  serverCommand?: string;
  vllmCommand?: string;
  model?: string;
  draftModel?: string[];
  method?: string[];
  draftPMin?: number[];
  tokens?: number[];
  strategy?: 'adaptive' | 'exhaustive';
  repeats: number;
  maxRepeats?: number;
  sloTtftP99?: number;
  sloItlP99?: number;
  maxTokens?: number;
  port?: number;
  host: string;
  promptTypes: string[];
  systemPrompts: string[];
  prompts?: string;
  out: string;
  url?: string;
  demo?: boolean;
  json?: boolean;
  extraArgs?: string;
  gpuMemoryUtilization?: number;
  tensorParallelSize?: number;
  temperature: number;
  seed: number;
  ignoreEos?: boolean;
  api: 'chat' | 'completions';
  startupTimeout?: number;
  stallTimeout: number;
  warmup: boolean;
  concurrency?: number[];
  targetConcurrency?: number;
  apiKeyEnv?: string;
}

/** Flag names for plan fields, so validation errors name what the user typed. */
const FLAG_FOR: Record<string, string> = {
  'server.model': '--model',
  'server.draftModel': '--draft-model',
  'server.method': '--method',
  methods: '--method',
  draftPMins: '--draft-p-min',
  'server.port': '--port',
  'server.host': '--host',
  'server.command': '--server-command',
  engine: '--engine',
  'server.engine': '--engine',
  draftModels: '--draft-model',
  'server.gpuMemoryUtilization': '--gpu-memory-utilization',
  'server.tensorParallelSize': '--tensor-parallel-size',
  url: '--url',
  tokens: '--tokens',
  repeats: '--repeats',
  maxRepeats: '--max-repeats',
  slo: '--slo-ttft-p99 / --slo-itl-p99',
  maxTokens: '--max-tokens',
  promptTypes: '--prompt-types',
  systemPrompts: '--system-prompts',
  concurrency: '--concurrency',
  targetConcurrency: '--target-concurrency',
  apiKeyEnv: '--api-key-env',
};

/** "--concurrency: … (got 0)": the flag a schema issue is about, and the value it refused where it is one item of a list. */
function flagMessage(issue: { path: PropertyKey[]; message: string }, input: unknown): string {
  const path = issue.path.map(String);
  const flag = FLAG_FOR[path.join('.')] ?? FLAG_FOR[path.slice(0, -1).join('.')] ?? path.join('.');
  let value: unknown = input;
  for (const p of issue.path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[p] : undefined;
  const got = typeof value === 'number' && /^\d+$/.test(path[path.length - 1] ?? '') ? ` (got ${value})` : '';
  return `${flag}: ${issue.message}${got}`;
}

async function readPromptsFile(path: string): Promise<CustomPromptsFile> {
  let data: unknown;
  try {
    const read = await readFileCapped(path, MAX_PROMPTS_FILE_BYTES);
    if (!read.ok) {
      throw new SpecTuneError('INVALID_INPUT', `--prompts ${path} is ${(read.bytes / 1024 / 1024).toFixed(1)} MB; a prompts file may be at most ${MAX_PROMPTS_FILE_BYTES / 1024 / 1024} MB`, {
        hint: 'keep the prompts the sweep runs in the file (each at most 20,000 characters)',
      });
    }
    data = JSON.parse(read.text);
  } catch (err) {
    if (err instanceof SpecTuneError) throw err;
    throw new SpecTuneError('INVALID_INPUT', `--prompts: cannot read ${path} as JSON (${(err as Error).message})`, {
      hint: 'give a JSON file like {"promptTypes":[{"id":"sql","label":"SQL","prompt":"…"}]}',
    });
  }
  const r = CustomPromptsFileSchema.safeParse(data);
  if (!r.success) throw new SpecTuneError('INVALID_INPUT', `--prompts ${path}: ${formatZodError(r.error)}`);
  assertDistinctPromptIds(r.data, `--prompts ${path}`);
  return r.data;
}

/** The launched engines' usual commands ("vllm, llama-server, mlx_lm.server"), for the help text. */
function launchCommandExamples(): string {
  return ENGINES.filter((e) => e.descriptor.lifecycle === 'launched' && e.descriptor.defaultCommand.length === 1)
    .map((e) => e.descriptor.defaultCommand[0])
    .join(', ');
}

/** Engines by a knob they have, for the help text ("llama.cpp, embedded llama.cpp"). */
function enginesWith(has: (d: Engine['descriptor']) => boolean): string {
  return ENGINES.filter((e) => has(e.descriptor)).map((e) => e.descriptor.label).join(', ');
}

/** Each engine's method words, for the help text. */
function methodHelp(): string {
  return ENGINES.filter((e) => e.descriptor.knobs.methods.length > 0)
    .map((e) => {
      const k = e.descriptor.knobs;
      const aliases = Object.entries(k.methodAliases).map(([a, m]) => `; ${a} = ${m}`).join('');
      return `${e.descriptor.label}: ${k.methods.join(', ')}${aliases}`;
    })
    .join(' — ');
}

/** Custom prompts join the sweep unless the user picked the ids explicitly (commander's default array is the same object). */
function withCustomIds(given: string[], defaults: readonly string[], custom: readonly { id: string }[]): string[] {
  return given === defaults ? [...given, ...custom.map((p) => p.id).filter((id) => !given.includes(id))] : given;
}

/**
 * A running server keeps the method and cut-off it was started with: refused on an attached sweep,
 * in the words of the engine's knobs where the engine has no such knob at all.
 */
function refuseAttachedKnobs(f: SweepFlags, d: Engine['descriptor'], demoUrl: string | undefined): void {
  const attached = (f.url ?? demoUrl ?? (d.lifecycle === 'attached' ? d.defaultUrl : undefined)) !== undefined;
  const methods = f.method ?? [];
  const pMins = f.draftPMin ?? [];
  if (!attached || (methods.length === 0 && pMins.length === 0)) return;
  const flagOf: Record<string, string> = { methods: '--method', draftPMins: '--draft-p-min', draftModels: '--draft-model' };
  const issue = knobIssues(d, { methods, draftPMins: pMins }, ENGINES.map((e) => e.descriptor))[0];
  if (issue) throw new SpecTuneError('INVALID_INPUT', `${flagOf[issue.path[0]]}: ${issue.message}`);
  throw new SpecTuneError('INVALID_INPUT', `${methods.length > 0 ? '--method' : '--draft-p-min'}: an attached server runs the method and cut-off it was started with`, {
    hint: 'let SpecTune launch the engine to compare them (leave out --url), or leave the flag out',
  });
}

/** Where an attached sweep measures, or null when SpecTune launches the engine. */
function attachedTarget(f: SweepFlags, d: Engine['descriptor'], drafts: string[], demoUrl: string | undefined): PlanTarget | null {
  const url = f.url ?? demoUrl ?? (d.lifecycle === 'attached' ? d.defaultUrl : undefined);
  if (!url) return null;
  if (f.serverCommand ?? f.vllmCommand) {
    throw new SpecTuneError('INVALID_INPUT', `--server-command: SpecTune does not launch ${f.url ? 'a server given by --url' : d.label}; it attaches to the running one`, {
      hint: f.url ? 'drop --url to let SpecTune launch the server, or drop --server-command' : `start ${d.label} yourself and pass --url if it is not at ${d.defaultUrl}`,
    });
  }
  // Without --engine the engine is learnt from the server's API when the sweep starts; it may compare several k then.
  return { mode: 'attached', url, model: f.model ?? (demoUrl ? d.demo.model : undefined), draftModels: drafts, ...(f.engine ? {} : { changesK: true }) };
}

async function managedTarget(f: SweepFlags, d: Engine['descriptor'], drafts: string[], realDemo: RealDemo | undefined): Promise<PlanTarget> {
  const given = f.serverCommand ?? f.vllmCommand;
  const simulated = f.demo && d.demo.persona !== null;
  const command = given ? splitArgs(given) : simulated ? [...simulatorCommand(), ...(d.demo.persona ? [d.demo.persona] : [])] : d.defaultCommand;
  if (!f.model && !f.demo) {
    throw new SpecTuneError('INVALID_INPUT', `--model is required to launch ${d.label}`, {
      hint: `e.g. --model ${d.placeholders.model}${d.placeholders.draftModel ? ` --draft-model ${d.placeholders.draftModel}` : ''}, or --url to measure a running server, or --demo`,
    });
  }
  return {
    mode: 'managed',
    draftModels: drafts,
    methods: f.method ?? [],
    draftPMins: f.draftPMin ?? [],
    server: {
      engine: d.id,
      command,
      model: f.model ?? realDemo?.model ?? d.demo.model,
      draftModel: drafts[0],
      host: f.host,
      // The demo must not collide with a real server on the default port.
      port: f.port ?? (f.demo ? await freePort(f.host) : PLAN_DEFAULTS.port),
      gpuMemoryUtilization: f.gpuMemoryUtilization,
      tensorParallelSize: f.tensorParallelSize,
      extraArgs: f.extraArgs ? splitArgs(f.extraArgs) : [],
      ...(f.startupTimeout ? { startupTimeoutMs: f.startupTimeout * 1000 } : {}),
    },
  };
}

type RealDemo = { model: string; draftModel: string | null };

async function planFromFlags(f: SweepFlags, demoUrl?: string, realDemo?: RealDemo): Promise<SweepPlan> {
  const engine = engineById(f.engine ?? DEFAULT_ENGINE.id);
  const d = engine.descriptor;
  const custom = f.prompts ? await readPromptsFile(f.prompts) : { promptTypes: [], systemPrompts: [] };
  const demoDrafts = realDemo ? (realDemo.draftModel ? [realDemo.draftModel] : []) : d.demo.draftModels;
  const lookupOnly = (f.method ?? []).length > 0 && !(f.method ?? []).some((m) => methodTakesDraft(d.knobs, m));
  const drafts = f.draftModel ?? (f.demo && !lookupOnly ? demoDrafts : []);
  refuseAttachedKnobs(f, d, demoUrl);
  if (f.url && f.demo) throw new SpecTuneError('INVALID_INPUT', '--url and --demo together: --demo starts its own simulated server', { hint: 'drop one of them' });
  const target = attachedTarget(f, d, drafts, demoUrl) ?? (await managedTarget(f, d, drafts, realDemo));
  const built = buildSweepPlan({
    engine: target.mode === 'attached' && !f.engine ? null : d,
    peers: ENGINES.map((e) => e.descriptor),
    target,
    tokens: f.tokens,
    demo: f.demo,
    measure: {
      promptTypes: withCustomIds(f.promptTypes, DEFAULT_PROMPT_TYPE_IDS, custom.promptTypes),
      systemPrompts: withCustomIds(f.systemPrompts, DEFAULT_SYSTEM_PROMPT_IDS, custom.systemPrompts),
      customPrompts: custom.promptTypes,
      customSystemPrompts: custom.systemPrompts,
      repeats: f.repeats,
      maxRepeats: f.maxRepeats,
      maxTokens: f.maxTokens,
      concurrency: f.concurrency,
      targetConcurrency: f.targetConcurrency,
      slo: { ttftP99Ms: f.sloTtftP99, itlP99Ms: f.sloItlP99 },
    },
    extras: {
      temperature: f.temperature,
      seed: f.seed,
      ignoreEos: f.ignoreEos ?? false,
      api: f.api,
      warmup: f.warmup,
      stallTimeoutMs: f.stallTimeout * 1000,
      ...(f.strategy ? { strategy: f.strategy } : {}),
      ...(f.apiKeyEnv !== undefined ? { apiKeyEnv: f.apiKeyEnv } : {}),
    },
  });
  if (!built.ok) throw new SpecTuneError('INVALID_INPUT', built.issues.map((i) => flagMessage(i, built.input)).join('; '));
  // Checked here as well as in the sweep, so a typo fails at once, before status probes and launches.
  resolvePromptTypes(built.plan.promptTypes, built.plan.customPrompts);
  resolveSystemPrompts(built.plan.systemPrompts, built.plan.customSystemPrompts);
  if (built.plan.server) assertNoManagedFlags(built.plan.server.extraArgs, '--extra-args', built.plan.server.engine);
  return built.plan;
}

export function registerSweepCommand(program: Command): void {
  program
    .command('sweep')
    .description('measure baseline vs k draft tokens (or draft models) across prompt types and system prompts, recommend the best')
    .option('--engine <id>', `the engine: ${ENGINE_IDS.join(', ')} (llamacpp = llama.cpp); with --url, detected from the server when not given`, DEFAULT_ENGINE.id)
    .option('--demo', 'use the built-in simulator of the engine (no GPU needed); numbers are SIMULATED')
    .option('--server-command <cmd>', `how to run a launched engine (default: its own command: ${launchCommandExamples()}), a path to it, or an interpreter and module ("python -m …")`)
    .addOption(new Option('--vllm-command <cmd>', 'alias of --server-command').hideHelp())
    .option('--model <model>', 'target model to serve (llama.cpp: a .gguf path)')
    .option('--draft-model <models>', `draft models to compare, a comma list (a launch per draft on ${enginesWith((d) => d.knobs.draftModels === 'launch')}; swapped per request on ${enginesWith((d) => d.knobs.draftModels === 'per-request')})`, listArg)
    .option('--method <list>', `speculation methods to compare, in the engine's own words (${methodHelp()}); a method without a draft model (n-gram, suffix) gets none`, methodListArg)
    .option('--draft-p-min <list>', `draft confidence cut-offs to compare, each 0..1, e.g. 0,0.3,0.6 (${enginesWith((d) => d.knobs.pMin !== 'none')}; default 0, always passed)`, pMinListArg)
    .option('--tokens <list>', `k values to compare: a list or ranges (0,3,5,7 or 1-8; a range always adds the baseline 0), 0 = baseline (default: ${PLAN_DEFAULTS.launchedTokens.join(',')}; with --url, the one k the server runs with, default 0)`, tokenListArg)
    .addOption(
      new Option('--strategy <s>', 'adaptive: predict the k-curve and measure only the k that decide; exhaustive: every k; both sample more until the pick is decided (default: adaptive when more than three k > 0)').choices([
        'adaptive',
        'exhaustive',
      ]),
    )
    .option('--repeats <n>', 'repeats per prompt × system prompt (with --concurrency above 1: rounds per level)', intArg(REPEATS.min, REPEATS.max), PLAN_DEFAULTS.repeats)
    .option('--slo-ttft-p99 <ms>', 'latency bound: at each load level a setting whose time-to-first-token p99 exceeds MS is not eligible', numberArg(0.001, 3_600_000))
    .option('--slo-itl-p99 <ms>', 'latency bound: at each load level a setting whose inter-token latency p99 exceeds MS is not eligible', numberArg(0.001, 3_600_000))
    .option('--max-repeats <n>', 'the most rounds one setting may get when two are not yet separated (default: 3 × --repeats)', intArg(1, 300))
    .option(
      '--concurrency <list>',
      'load levels: requests kept in flight at once, each level measured for every k (e.g. 1,8,32; default 1 = one request at a time)',
      numberListArg,
    )
    .option('--target-concurrency <n>', 'the load level the recommendation is for, one of --concurrency (default: the lowest)', plainNumberArg)
    .option('--max-tokens <n>', `max tokens per answer (default ${PLAN_DEFAULTS.maxTokens}; ${PLAN_DEFAULTS.demoMaxTokens} with --demo)`, intArg(MAX_TOKENS.min, MAX_TOKENS.max))
    .option('--port <port>', `port for the launched server (default ${PLAN_DEFAULTS.port}; a free one with --demo)`, intArg(1, 65535))
    .option('--host <host>', 'host for the launched server', '127.0.0.1')
    // Shown as "all": commander would print the default arrays as JSON. The default must stay the same array
    // object, since planFromFlags tells "not given" by identity.
    .addOption(
      new Option('--prompt-types <ids>', `prompt types (${DEFAULT_PROMPT_TYPE_IDS.join(',')} or custom ids)`).argParser(listArg).default(DEFAULT_PROMPT_TYPE_IDS, 'all, plus those in --prompts'),
    )
    .addOption(
      new Option('--system-prompts <ids>', `system prompts (${DEFAULT_SYSTEM_PROMPT_IDS.join(',')} or custom ids)`).argParser(listArg).default(DEFAULT_SYSTEM_PROMPT_IDS, 'all, plus those in --prompts'),
    )
    .option('--prompts <file>', 'JSON file with custom promptTypes/systemPrompts (see the README)')
    .option('--out <file>', 'report path (a .jsonl measurement log is written beside it)', 'test_results.json')
    .option('--url <url>', 'attached mode: measure this running server (LM Studio and Ollama: default their usual URL)')
    .option('--api-key-env <name>', "the environment variable holding the server's API key, when it is not the engine's own (each engine's is in the README); only the name is recorded")
    .option('--extra-args <args>', 'extra arguments for the launched server, passed through as given')
    .option('--gpu-memory-utilization <f>', 'vLLM --gpu-memory-utilization', numberArg(0.01, 1))
    .option('--tensor-parallel-size <n>', 'vLLM --tensor-parallel-size', intArg(1, 64))
    .option('--temperature <t>', 'sampling temperature (0 = greedy, outputs comparable across k)', numberArg(0, 2), 0)
    .option('--seed <n>', 'request seed', intArg(0), 1234)
    .option('--ignore-eos', 'always generate max tokens')
    .addOption(new Option('--api <api>', 'OpenAI API to call').choices(['chat', 'completions']).default('chat'))
    .option('--startup-timeout <s>', 'seconds to wait for the server to become ready (default 900)', intArg(1, 3600))
    .option('--stall-timeout <s>', 'seconds without generated text before a stream counts as stalled', intArg(1, 3600), 60)
    .option('--no-warmup', 'skip the uncounted warm-up request per configuration')
    .option('--json', 'print the report as JSON on stdout (no status or progress; errors still go to stderr)')
    .action(async (flags: SweepFlags) => {
      // Commander's default engine means "not given" for attached detection only when --url is given.
      if (flags.url && !process.argv.some((a) => a === '--engine' || a.startsWith('--engine='))) flags.engine = undefined;
      const engine = engineById(flags.engine ?? DEFAULT_ENGINE.id);
      let demoServer: DemoServer | null = null;
      if (flags.demo && engine.descriptor.lifecycle === 'attached') {
        await planFromFlags(flags, 'http://127.0.0.1:1'); // refuse bad flags before starting anything
        demoServer = await startDemoServer(engine, flags.host, await freePort(flags.host));
      }
      // A real engine's demo (embedded) runs on models it prepares; nothing is simulated.
      const realDemo = flags.demo && engine.prepareDemo ? await engine.prepareDemo() : undefined;
      if (realDemo && !flags.json) process.stderr.write(`Demo: ${realDemo.note}.\n\n`);
      try {
        await runSweepCommand(flags, await planFromFlags(flags, demoServer?.url, realDemo));
      } finally {
        await demoServer?.stop();
      }
    });
}

async function runSweepCommand(flags: SweepFlags, plan: SweepPlan): Promise<void> {
      const outPath = resolve(flags.out);
      const err = process.stderr;
      const quiet = flags.json === true;

      if (!quiet) {
        const endpoints = plan.mode === 'attached' ? [{ name: 'Target server', url: plan.url! }] : DEFAULT_ENDPOINTS;
        err.write(formatStatus(await probeAll(endpoints)) + '\n\n');
        const d = engineById(flags.engine ?? DEFAULT_ENGINE.id).descriptor;
        if (flags.demo && d.demo.persona !== null) err.write(pc.yellow(`Demo: the built-in simulator stands in for ${d.label}. Numbers are SIMULATED.\n\n`));
      }

      const cancel = handleCancelSignals(err);

      const tty = err.isTTY === true && !quiet;
      const bar = tty
        ? new cliProgress.SingleBar(
            // The sweep's own ETA, not cli-progress's: that one extrapolates the bar's pace and would charge each
            // restart of vLLM to every remaining request.
            { format: ' {bar} {percentage}% | {value}/{total} requests | ETA {left} | {stage}', stream: err, hideCursor: true, clearOnComplete: true },
            cliProgress.Presets.shades_classic,
          )
        : null;
      let barStarted = false;
      let lastConfig = -1;
      try {
        const report = await runSweep({
          plan,
          outPath,
          signal: cancel.signal,
          onEvent: (e) => {
            if (e.type === 'kept') err.write(describeKept(e.kept) + '\n');
            if (e.type === 'recreated') {
              err.write(pc.yellow(`\nThe folder ${e.folder} was removed during the run: SpecTune made it again and wrote the report and the whole measurement log back into it.\n`));
            }
            if (e.type !== 'progress') return;
            const p = e.progress;
            const what = p.numSpeculativeTokens === 0 ? 'baseline' : p.numSpeculativeTokens === null ? `configuration ${p.configIndex + 1}` : `k=${p.numSpeculativeTokens}`;
            const stage = `${what} ${p.phase}`;
            const left = formatEta(p.etaSeconds);
            if (bar) {
              if (!barStarted) bar.start(p.total, p.done, { stage, left });
              barStarted = true;
              bar.update(p.done, { stage, left });
            } else if (!quiet && p.configIndex !== lastConfig && p.phase === 'starting-server') {
              lastConfig = p.configIndex;
              const eta = p.etaSeconds === null ? '' : `, about ${left} left`;
              err.write(`[${p.configIndex + 1}/${p.configCount}] ${stage} (${p.done}/${p.total} requests done${eta})\n`);
            }
          },
        });
        bar?.stop();
        if (quiet) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        else process.stdout.write('\n' + formatReport(report, outPath) + '\n');
        const outcome = sweepOutcome(report, outPath, plan.mode === 'attached');
        if (outcome.error) throw outcome.error;
        process.exitCode = outcome.exitCode;
      } finally {
        bar?.stop();
        cancel.dispose();
        await stopAllServers();
      }
}
