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
  SPEC_METHODS,
  SweepPlanSchema,
  type CustomPromptsFile,
  type SweepPlan,
  type SweepPlanInput,
} from '../shared/schemas';
import { splitArgs } from '../shared/shell-words';
import { ENGINE_IDS } from '../shared/engine-descriptor';
import { ENGINES, engineById } from '../engines';
import type { Engine } from '../engines/engine';
import { startDemoServer, type DemoServer } from '../core/demo-server';
import { intArg, listArg, numberArg, numberListArg, plainNumberArg, tokenListArg } from './args';
import { formatEta, formatReport, formatStatus } from './output';

/** Short answers keep the demo sweep near a minute; the curve's shape does not depend on length. */
const DEMO_MAX_TOKENS = 64;

interface SweepFlags {
  engine?: string;
  serverCommand?: string;
  vllmCommand?: string;
  model?: string;
  draftModel?: string[];
  method?: (typeof SPEC_METHODS)[number];
  tokens?: number[];
  strategy?: 'adaptive' | 'exhaustive';
  repeats: number;
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
}

/** Flag names for plan fields, so validation errors name what the user typed. */
const FLAG_FOR: Record<string, string> = {
  'server.model': '--model',
  'server.draftModel': '--draft-model',
  'server.method': '--method',
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
  maxTokens: '--max-tokens',
  promptTypes: '--prompt-types',
  systemPrompts: '--system-prompts',
  concurrency: '--concurrency',
  targetConcurrency: '--target-concurrency',
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

/** The draft models given: one per launch, or a list where the engine swaps drafts per request. */
function draftModelsFor(engine: Engine, given: string[] | undefined): string[] {
  const drafts = given ?? [];
  if (drafts.length > 1 && !engine.descriptor.draftPerRequest) {
    const swappers = ENGINES.filter((e) => e.descriptor.draftPerRequest).map((e) => e.descriptor.id);
    throw new SpecTuneError('INVALID_INPUT', `--draft-model: ${engine.descriptor.label} loads one draft model per launch, so give one (got ${drafts.length})`, {
      hint: `compare several draft models in one sweep with an engine that swaps them per request (${swappers.join(', ')}), or run one sweep per draft model`,
    });
  }
  return drafts;
}

export async function planFromFlags(f: SweepFlags, demoUrl?: string, realDemo?: { model: string; draftModel: string | null }): Promise<SweepPlan> {
  const engine = engineById(f.engine ?? 'vllm');
  const d = engine.descriptor;
  const custom = f.prompts ? await readPromptsFile(f.prompts) : { promptTypes: [], systemPrompts: [] };
  // Custom prompts join the sweep unless the user picked prompt types explicitly.
  const promptTypes = f.promptTypes === DEFAULT_PROMPT_TYPE_IDS ? [...f.promptTypes, ...custom.promptTypes.map((p) => p.id).filter((id) => !f.promptTypes.includes(id))] : f.promptTypes;
  const systemPrompts =
    f.systemPrompts === DEFAULT_SYSTEM_PROMPT_IDS ? [...f.systemPrompts, ...custom.systemPrompts.map((p) => p.id).filter((id) => !f.systemPrompts.includes(id))] : f.systemPrompts;
  const common = {
    promptTypes,
    systemPrompts,
    customPrompts: custom.promptTypes,
    customSystemPrompts: custom.systemPrompts,
    repeats: f.repeats,
    maxTokens: f.maxTokens ?? (f.demo ? DEMO_MAX_TOKENS : 256),
    temperature: f.temperature,
    seed: f.seed,
    ignoreEos: f.ignoreEos ?? false,
    api: f.api,
    warmup: f.warmup,
    stallTimeoutMs: f.stallTimeout * 1000,
    ...(f.strategy ? { strategy: f.strategy } : {}),
    ...(f.concurrency ? { concurrency: f.concurrency } : {}),
    ...(f.targetConcurrency !== undefined ? { targetConcurrency: f.targetConcurrency } : {}),
  };
  let input: SweepPlanInput;
  const givenCommand = f.serverCommand ?? f.vllmCommand;
  const demoDrafts = realDemo ? (realDemo.draftModel ? [realDemo.draftModel] : []) : d.demo.draftModels;
  const drafts = draftModelsFor(engine, f.draftModel ?? (f.demo && !f.method ? demoDrafts : undefined));
  const attachedUrl = f.url ?? demoUrl ?? (d.lifecycle === 'attached' ? d.defaultUrl : undefined);
  if (f.url && f.demo) throw new SpecTuneError('INVALID_INPUT', '--url and --demo together: --demo starts its own simulated server', { hint: 'drop one of them' });
  if (attachedUrl) {
    if (givenCommand) {
      throw new SpecTuneError('INVALID_INPUT', `--server-command: SpecTune does not launch ${f.url ? 'a server given by --url' : d.label}; it attaches to the running one`, {
        hint: f.url ? 'drop --url to let SpecTune launch the server, or drop --server-command' : `start ${d.label} yourself and pass --url if it is not at ${d.defaultUrl}`,
      });
    }
    // Engines that change k per request or by reload compare several k on one running server; which engine it is,
    // when --engine is not given, is learnt from its API when the sweep starts.
    const changesK = !f.engine || d.kChange === 'per-request' || d.kChange === 'reload';
    input = {
      ...common,
      mode: 'attached',
      url: attachedUrl,
      ...(f.engine ? { engine: d.id } : {}),
      model: f.model ?? (demoUrl ? d.demo.model : undefined),
      draftModels: drafts,
      tokens: f.tokens ?? (changesK && d.lifecycle === 'attached' ? [0, 2, 4, 6] : [0]),
      ...(changesK && (f.tokens?.length ?? 0) !== 1 ? { attachedChangesK: true } : {}),
    };
  } else {
    const simulated = f.demo && d.demo.persona !== null;
    const command = givenCommand ? splitArgs(givenCommand) : simulated ? [...simulatorCommand(), ...(d.demo.persona ? [d.demo.persona] : [])] : d.defaultCommand;
    if (!f.model && !f.demo) {
      throw new SpecTuneError('INVALID_INPUT', `--model is required to launch ${d.label}`, {
        hint: `e.g. --model ${d.placeholders.model}${d.placeholders.draftModel ? ` --draft-model ${d.placeholders.draftModel}` : ''}, or --url to measure a running server, or --demo`,
      });
    }
    input = {
      ...common,
      mode: 'managed',
      tokens: f.tokens ?? [0, 3, 5, 7],
      draftModels: drafts,
      server: {
        engine: d.id,
        command,
        model: f.model ?? realDemo?.model ?? d.demo.model,
        draftModel: drafts[0],
        method: f.method,
        host: f.host,
        // The demo must not collide with a real server on :8000.
        port: f.port ?? (f.demo ? await freePort(f.host) : 8000),
        gpuMemoryUtilization: f.gpuMemoryUtilization,
        tensorParallelSize: f.tensorParallelSize,
        extraArgs: f.extraArgs ? splitArgs(f.extraArgs) : [],
        ...(f.startupTimeout ? { startupTimeoutMs: f.startupTimeout * 1000 } : {}),
      },
    };
  }
  const r = SweepPlanSchema.safeParse(input);
  if (!r.success) {
    const msg = r.error.issues.map((i) => flagMessage(i, input)).join('; ');
    throw new SpecTuneError('INVALID_INPUT', msg);
  }
  // Checked here as well as in the sweep, so a typo fails at once, before status probes and launches.
  resolvePromptTypes(r.data.promptTypes, r.data.customPrompts);
  resolveSystemPrompts(r.data.systemPrompts, r.data.customSystemPrompts);
  if (r.data.server) assertNoManagedFlags(r.data.server.extraArgs, '--extra-args', r.data.server.engine);
  return r.data;
}

export function registerSweepCommand(program: Command): void {
  program
    .command('sweep')
    .description('measure baseline vs k draft tokens (or draft models) across prompt types and system prompts, recommend the best')
    .option('--engine <id>', `the engine: ${ENGINE_IDS.join(', ')} (llamacpp = llama.cpp); with --url, detected from the server when not given`, 'vllm')
    .option('--demo', 'use the built-in simulator of the engine (no GPU needed); numbers are SIMULATED')
    .option('--server-command <cmd>', 'how to run a launched engine: "vllm", "llama-server", a path, or "python -m vllm.entrypoints.openai.api_server"')
    .addOption(new Option('--vllm-command <cmd>', 'alias of --server-command').hideHelp())
    .option('--model <model>', 'target model to serve (llama.cpp: a .gguf path)')
    .option('--draft-model <models>', 'draft model; a comma list where the engine swaps drafts per request (LM Studio)', listArg)
    .addOption(new Option('--method <method>', 'speculation method instead of a draft model').choices(SPEC_METHODS))
    .option('--tokens <list>', 'k values to compare: a list or ranges (0,3,5,7 or 1-8; a range always adds the baseline 0), 0 = baseline (default: 0,3,5,7; with --url, the one k the server runs with, default 0)', tokenListArg)
    .addOption(
      new Option('--strategy <s>', 'adaptive: predict the k-curve and measure only the k that decide; exhaustive: every k (default: adaptive when more than three k > 0)').choices([
        'adaptive',
        'exhaustive',
      ]),
    )
    .option('--repeats <n>', 'repeats per prompt × system prompt (with --concurrency above 1: rounds per level)', intArg(1, 100), 3)
    .option(
      '--concurrency <list>',
      'load levels: requests kept in flight at once, each level measured for every k (e.g. 1,8,32; default 1 = one request at a time)',
      numberListArg,
    )
    .option('--target-concurrency <n>', 'the load level the recommendation is for, one of --concurrency (default: the lowest)', plainNumberArg)
    .option('--max-tokens <n>', 'max tokens per answer (default 256; 64 with --demo)', intArg(1, 32768))
    .option('--port <port>', 'port for the launched server (default 8000; a free one with --demo)', intArg(1, 65535))
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
    .option('--extra-args <args>', 'extra vLLM arguments, passed through as given')
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
      // Default 'vllm' from commander means "not given" for attached detection only when --url is given.
      if (flags.url && !process.argv.some((a) => a === '--engine' || a.startsWith('--engine='))) flags.engine = undefined;
      const engine = engineById(flags.engine ?? 'vllm');
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
        const d = engineById(flags.engine ?? 'vllm').descriptor;
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
