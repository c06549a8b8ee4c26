/**
 * `npm run bench`: how truthful and how cheap the measuring client is.
 *
 *   1. fidelity — reported tokens/s vs the simulator's server-side truth, at
 *      k = 0 (one token per chunk) and k = 5 (several tokens per chunk);
 *   2. overhead — client CPU µs per SSE chunk, with chunks in bulk (many per
 *      read: the cheapest case) and paced one per read (as vLLM streams them).
 *
 * Not a test: it prints numbers and ratios against the targets and exits 0
 * whatever they are (the machine is shared and noisy); only a crash exits 1.
 *
 *   3. search — real sweeps on every engine's persona (llama.cpp totals only, mlx_lm
 *      without acceptance, Ollama reloading per k, vLLM per position, few prompts,
 *      an edge optimum, a never-pays model, a flat top, the default plan on a costly
 *      draft): the pick vs the timing model's best, launches and requests vs the caps.
 *
 *   3b. knobs — the whole setting on the llama-server persona: 2 draft models, 3 confidence
 *      cut-offs, 2 methods, each × k 1..8: the pick vs the timing model's best setting, and
 *      launches vs the budgets (9, 10, 10) and vs exhaustive (17, 25, 17).
 *
 *   4. load — the closed loop at N streams against the paced flood server:
 *      aggregate tokens/s vs the server's own count over the steady window,
 *      client CPU ms per 1000 tokens.
 *
 *   5. runaway — a server that never stops streaming against the real CLI
 *      (`sweep --max-tokens 16 --stall-timeout 5 --no-warmup`): how long the run
 *      takes and the CLI's peak memory.
 *
 *   npm run bench -- [--only fidelity|overhead|search|knobs|load|runaway] [--load-streams 64] [--load-chunks 200] [--load-gap-ms 5] [--load-rounds 3] [--load-repeats 8]
 *                    [--requests 8] [--max-tokens 128] [--chunks 20000] [--paced-chunks 1500] [--gap-ms 1] [--rounds 5]
 *                    [--search-max-tokens 128] [--search-step-ms 4]
 */
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import pc from 'picocolors';
import { max, mean, median } from 'simple-statistics';
import { runFidelity, simulatorAvailable, SIMULATOR_ENTRY, type FidelityRow } from './fidelity';
import { runOverhead, wakeUpFloorUs, type OverheadRound } from './overhead';
import { capsOf, runSearchScenario, SEARCH_SCENARIOS, type SearchRow, type SearchScenario } from './search';
import { KNOBS_SCENARIOS, runKnobsScenario, type KnobsRow } from './knobs';
import { runLoad, type LoadRow } from './load';
import { runRunaway } from './runaway';

const FIDELITY_TARGET_PCT = 1;
const OVERHEAD_TARGET_US = 50;

const root = fileURLToPath(new URL('..', import.meta.url));
const USAGE = 'usage: npm run bench -- [--only fidelity|overhead|search|knobs|load|runaway] [--load-streams 64] [--load-chunks 200] [--load-gap-ms 5] [--load-rounds 3] [--load-repeats 8] [--search-max-tokens 128] [--search-step-ms 4] [--requests 8] [--max-tokens 128] [--chunks 20000] [--paced-chunks 1500] [--gap-ms 1] [--rounds 5]';
let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      requests: { type: 'string', default: '8' },
      'max-tokens': { type: 'string', default: '128' },
      chunks: { type: 'string', default: '20000' },
      'paced-chunks': { type: 'string', default: '1500' },
      'gap-ms': { type: 'string', default: '1' },
      rounds: { type: 'string', default: '5' },
      only: { type: 'string' },
      'search-max-tokens': { type: 'string', default: '128' },
      'search-step-ms': { type: 'string', default: '4' },
      'load-streams': { type: 'string', default: '64' },
      'load-chunks': { type: 'string', default: '200' },
      'load-gap-ms': { type: 'string', default: '5' },
      'load-rounds': { type: 'string', default: '3' },
      'load-repeats': { type: 'string', default: '8' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (err) {
  console.error(`${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const requests = Number(values.requests);
const maxTokens = Number(values['max-tokens']);
const chunks = Number(values.chunks);
const pacedChunks = Number(values['paced-chunks']);
const gapMs = Number(values['gap-ms']);
const rounds = Number(values.rounds);
const searchMaxTokens = Number(values['search-max-tokens']);
const searchStepMs = Number(values['search-step-ms']);
const loadStreams = Number(values['load-streams']);
const loadChunks = Number(values['load-chunks']);
const loadGapMs = Number(values['load-gap-ms']);
const loadRounds = Number(values['load-rounds']);
const loadRepeats = Number(values['load-repeats']);
const only = values.only as string | undefined;
if (only !== undefined && !['fidelity', 'overhead', 'search', 'knobs', 'load', 'runaway'].includes(only)) {
  console.error(`--only must be fidelity, overhead, search, knobs, load or runaway\n${USAGE}`);
  process.exit(2);
}
const runs = (part: string) => only === undefined || only === part;
for (const [name, v] of Object.entries({ requests, 'max-tokens': maxTokens, chunks, 'paced-chunks': pacedChunks, 'gap-ms': gapMs, rounds, 'search-max-tokens': searchMaxTokens, 'search-step-ms': searchStepMs, 'load-streams': loadStreams, 'load-chunks': loadChunks, 'load-gap-ms': loadGapMs, 'load-rounds': loadRounds, 'load-repeats': loadRepeats })) {
  if (!Number.isInteger(v) || v < 1) {
    console.error(`--${name} must be a whole number of 1 or more\n${USAGE}`);
    process.exit(2);
  }
}

const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);
const f3 = (n: number) => n.toFixed(3);
const verdict = (ok: boolean) => (ok ? pc.green('within') : pc.yellow('over'));

function printFidelity(rows: FidelityRow[]): void {
  const t = new Table({
    head: ['k', 'prompt', 'tokens', 'chunks', 'tok/chunk', 'reported tok/s', 'server tok/s', 'error %', 'TTFT client ms', 'TTFT server ms', 'send→recv ms', 'last→end ms'],
    style: { head: [], border: [] },
  });
  for (const r of rows) {
    t.push([
      r.k,
      r.promptType,
      r.tokens,
      r.chunks,
      f2(r.tokens / r.chunks),
      f2(r.reportedTps),
      f2(r.truthTps),
      (r.errorPct >= 0 ? '+' : '') + f3(r.errorPct),
      f1(r.ttftClientMs),
      f1(r.ttftServerMs),
      f2(r.headMs),
      f2(r.tailMs),
    ]);
  }
  console.log(t.toString());
  console.log(
    pc.dim(
      'error % = (reported − server) / server. The client measures end to end, so its time also holds the request\n' +
        'send (send→recv) and the last chunk’s trip (last→end): a few ms, hence a small negative bias.',
    ),
  );
}

interface SummaryRow {
  what: string;
  measured: string;
  target: string;
  ratio: string;
  verdict: string;
}

const summary: SummaryRow[] = [];
let crashed = false;
const started = performance.now();

console.log(pc.bold('SpecTune bench — measurement fidelity and client overhead'));
console.log(`node ${process.version}, ${process.platform}/${process.arch}\n`);

// 1. Fidelity
if (!runs('fidelity')) {
  // skipped by --only
} else if (!simulatorAvailable(root)) {
  console.log(pc.yellow(`fidelity: skipped — the simulator (${SIMULATOR_ENTRY}) is not there yet\n`));
} else {
  for (const k of [0, 5]) {
    console.log(pc.bold(`Fidelity, k = ${k} (${requests} requests × ${maxTokens} tokens, ignore_eos, temperature 0)`));
    try {
      const rows = await runFidelity({ root, k, requests, maxTokens });
      printFidelity(rows);
      const abs = rows.map((r) => Math.abs(r.errorPct));
      const perChunk = mean(rows.map((r) => r.tokens / r.chunks));
      for (const [stat, v] of [['mean', mean(abs)], ['median', median(abs)], ['max', max(abs)]] as const) {
        summary.push({
          what: `tokens/s error, k=${k}${stat === 'mean' ? ` (${f2(perChunk)} tok/chunk)` : ''}: ${stat} |err|`,
          measured: `${f3(v)} %`,
          target: `≤ ${FIDELITY_TARGET_PCT} %`,
          ratio: f2(v / FIDELITY_TARGET_PCT),
          verdict: verdict(v <= FIDELITY_TARGET_PCT),
        });
      }
    } catch (err) {
      crashed = true;
      console.error(pc.red(`fidelity k=${k} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`));
    }
    console.log();
  }
}

// 2. Overhead
const paces = [
  { name: 'bulk', title: `${chunks} chunks per stream as fast as the socket takes them (many chunks per read)`, chunks, gapMs: 0 },
  { name: 'paced', title: `${pacedChunks} chunks per stream, one every ${gapMs} ms (one chunk per read, as vLLM streams)`, chunks: pacedChunks, gapMs },
];
for (const pace of runs('overhead') ? paces : []) {
  console.log(pc.bold(`Client overhead, ${pace.name}: ${pace.title}; ${rounds} rounds after a warm-up`));
  try {
    const o: OverheadRound[] = await runOverhead({ root, chunks: pace.chunks, rounds, gapMs: pace.gapMs });
    const t = new Table({ head: ['round', 'chunks', 'client CPU ms', 'wall ms', 'CPU µs/chunk', 'chunks/s (wall)'], style: { head: [], border: [] } });
    o.forEach((r, i) => t.push([i + 1, r.chunks, f1(r.cpuUs / 1000), f1(r.wallMs), f2(r.usPerChunk), Math.round(r.chunksPerSecWall)]));
    console.log(t.toString());
    const us = median(o.map((r) => r.usPerChunk));
    summary.push({
      what: `client CPU per chunk, ${pace.name} (median of rounds)`,
      measured: `${f2(us)} µs`,
      target: `< ${OVERHEAD_TARGET_US} µs`,
      ratio: f2(us / OVERHEAD_TARGET_US),
      verdict: verdict(us < OVERHEAD_TARGET_US),
    });
    summary.push({
      what: `chunks/s one core sustains, ${pace.name} (1e6 / µs per chunk)`,
      measured: `${Math.round(1e6 / us)}`,
      target: `> ${Math.round(1e6 / OVERHEAD_TARGET_US)}`,
      ratio: f2(OVERHEAD_TARGET_US / us),
      verdict: verdict(us < OVERHEAD_TARGET_US),
    });
    if (pace.gapMs > 0) {
      const floorUs = await wakeUpFloorUs(pace.gapMs, pace.chunks);
      console.log(
        pc.dim(
          `This machine's floor: ${f2(floorUs)} µs of CPU per bare ${pace.gapMs} ms timer wake-up with no work at all; a paced chunk pays one\n` +
            `such wake-up (a socket's rather than a timer's) before the client does anything. Client's own work ≈ paced − floor.`,
        ),
      );
      summary.push({
        what: `paced: this machine's wake-up floor (bare timer, no work)`,
        measured: `${f2(floorUs)} µs`,
        target: '—',
        ratio: '—',
        verdict: '',
      });
      const net = us - floorUs;
      summary.push({
        what: `client CPU per chunk, paced, net of the floor (approx.)`,
        measured: `${f2(net)} µs`,
        target: `< ${OVERHEAD_TARGET_US} µs`,
        ratio: f2(net / OVERHEAD_TARGET_US),
        verdict: verdict(net < OVERHEAD_TARGET_US),
      });
    }
  } catch (err) {
    crashed = true;
    console.error(pc.red(`overhead (${pace.name}) failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
  }
  console.log();
}
if (runs('overhead')) console.log(pc.dim('CPU = all of this process (user + system) during the stream, nothing subtracted (an upper bound) except in the row marked "net of the floor".'));

// 3. The search on every engine against the simulator's truth
const SEARCH_SPEED_TARGET = 0.97;
if (runs('search')) {
  console.log(pc.bold(`The search on every engine (simulator personas; ${searchMaxTokens} tokens, ${searchStepMs} ms steps, ignore_eos; truth = the timing model over the plan's prompt cells)`));
  const load = () => `load average ${loadavg().map((x) => x.toFixed(1)).join(' / ')} on ${cpus().length} cores`;
  const loadBefore = load();
  const rows: { s: SearchScenario; r: SearchRow }[] = [];
  for (const s of SEARCH_SCENARIOS) {
    try {
      rows.push({ s, r: await runSearchScenario(s, { stepMs: searchStepMs, maxTokens: searchMaxTokens }) });
    } catch (err) {
      crashed = true;
      console.error(pc.red(`search (${s.name}) failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
    }
  }
  const t = new Table({ head: ['scenario', 'true best k', 'pick', 'pick / true best', 'launches (every k once)', 'requests (every k once)', 'measured k', 'stopped'], style: { head: [], border: [] } });
  for (const { r } of rows) {
    t.push([r.scenario, r.trueBestK, r.pickK ?? '—', r.vsTrueBest === null ? '—' : f3(r.vsTrueBest), `${r.launches} (${r.exhaustiveLaunches})`, `${r.requests} (${r.exhaustiveRequests})`, r.measuredKs.join(','), r.stopped]);
  }
  console.log(t.toString());
  console.log(pc.dim(`True speeds from the simulator's timing model, not from the measurements. Machine: ${loadBefore} before, ${load()} after.`));
  for (const { s, r } of rows) {
    const ok = (r.vsTrueBest ?? 0) >= SEARCH_SPEED_TARGET;
    summary.push({ what: `search, ${r.scenario}: pick vs the true best`, measured: `k=${r.pickK} vs ${r.trueBestK}`, target: `≥ ${SEARCH_SPEED_TARGET}`, ratio: r.vsTrueBest === null ? '—' : f3(r.vsTrueBest), verdict: verdict(ok) });
    const caps = capsOf(s);
    const inCaps = r.requests <= caps.requests && (caps.launches === null || r.launches <= caps.launches);
    summary.push({
      what: `search, ${r.scenario}: cost within the caps`,
      measured: `${r.launches} launches, ${r.requests} requests`,
      target: `≤ ${caps.launches ?? '—'} launches, ≤ ${caps.requests} requests`,
      ratio: f2(r.requests / caps.requests),
      verdict: verdict(inCaps),
    });
  }
  console.log();
}

// 3b. The whole setting (draft models, cut-offs, methods) against the simulator's truth
if (runs('knobs')) {
  console.log(pc.bold(`The whole setting on the llama-server persona (${searchMaxTokens} tokens, ${searchStepMs} ms steps, ignore_eos; truth = the timing model per setting over the plan's prompt cells)`));
  const rows: KnobsRow[] = [];
  for (const s of KNOBS_SCENARIOS) {
    try {
      rows.push(await runKnobsScenario(s, { stepMs: searchStepMs, maxTokens: searchMaxTokens }));
    } catch (err) {
      crashed = true;
      console.error(pc.red(`knobs (${s.name}) failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
    }
  }
  const t = new Table({ head: ['scenario', 'true best setting', 'pick', 'pick / true best', 'launches (budget; exhaustive)', 'requests', 'arms dropped'], style: { head: [], border: [] } });
  for (const r of rows) t.push([r.scenario, r.trueBest, r.pick ?? '—', r.vsTrueBest === null ? '—' : f3(r.vsTrueBest), `${r.launches} (${r.launchBudget}; ${r.exhaustiveLaunches})`, r.requests, String(new Set(r.dropped.map((d) => d.split(' · k')[0])).size)]);
  console.log(t.toString());
  for (const r of rows) {
    summary.push({ what: `knobs, ${r.scenario}: pick vs the true best`, measured: `${r.pick} vs ${r.trueBest}`, target: `≥ ${SEARCH_SPEED_TARGET}`, ratio: r.vsTrueBest === null ? '—' : f3(r.vsTrueBest), verdict: verdict((r.vsTrueBest ?? 0) >= SEARCH_SPEED_TARGET) });
    summary.push({ what: `knobs, ${r.scenario}: launches within the budget`, measured: `${r.launches} (exhaustive ${r.exhaustiveLaunches})`, target: `≤ ${r.launchBudget}`, ratio: f2(r.launches / r.launchBudget), verdict: verdict(r.launches <= r.launchBudget) });
  }
  console.log();
}

// 4. Load levels
const LOAD_TARGET_PCT = 1;
if (runs('load')) {
  console.log(pc.bold(`Load: ${loadStreams} streams in a closed loop, ${loadChunks} chunks each, one every ${loadGapMs} ms (flood server, own process); ${loadRepeats} passes of ${loadStreams} measured requests per round, ${loadRounds} rounds after a warm-up`));
  try {
    const rows: LoadRow[] = await runLoad({ root, streams: loadStreams, chunks: loadChunks, gapMs: loadGapMs, repeats: loadRepeats, rounds: loadRounds });
    const t = new Table({
      head: ['round', 'streams', 'measured requests', 'window s', 'client aggregate tok/s', 'server tok/s (truth)', 'error %', 'client CPU ms / 1000 tok', 'client CPU share of a core', 'mean in flight', 'tok/s at achieved concurrency', 'its error %'],
      style: { head: [], border: [] },
    });
    for (const r of rows) t.push([r.round, r.streams, r.requests, f2(r.windowSeconds), f1(r.clientTps), f1(r.truthTps), (r.errorPct >= 0 ? '+' : '') + f3(r.errorPct), f2(r.cpuMsPer1000), f2(r.cpuShareOfCore), f2(r.meanInFlight), f1(r.achievedTps), (r.achievedErrorPct >= 0 ? '+' : '') + f3(r.achievedErrorPct)]);
    console.log(t.toString());
    console.log(
      pc.dim(
        "aggregate = c × Σ tokens / Σ request seconds of the measured requests (Little's law); truth = tokens the server wrote inside the\n" +
          'steady window (first measured start → last measured end) / its length. CPU = this whole process over the window (an upper bound).\n' +
          'mean in flight = what the client held (c means the loop lost nothing to replacements). The rest of the error is the window\'s edges:\n' +
          'equal-length requests move in waves, so the window opens and closes while slots sit in a stream\'s token-less head or tail;\n' +
          'it shrinks as 1 / passes (--load-repeats).',
      ),
    );
    const err = median(rows.map((r) => Math.abs(r.errorPct)));
    summary.push({ what: `load, ${loadStreams} streams: aggregate tok/s vs server truth (median |err| of rounds)`, measured: `${f3(err)} %`, target: `≤ ${LOAD_TARGET_PCT} %`, ratio: f2(err / LOAD_TARGET_PCT), verdict: verdict(err <= LOAD_TARGET_PCT) });
    const cpu = median(rows.map((r) => r.cpuMsPer1000));
    summary.push({ what: `load, ${loadStreams} streams: client CPU per 1000 tokens (median)`, measured: `${f2(cpu)} ms`, target: '—', ratio: '—', verdict: '' });
  } catch (err) {
    crashed = true;
    console.error(pc.red(`load failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
  }
  console.log();
}

// 5. A server that never stops streaming
const RUNAWAY_SECONDS = 60;
const RUNAWAY_RSS_MB = 600;
if (runs('runaway')) {
  console.log(pc.bold('Runaway server: streams content for ever, whatever max_tokens says; `spectune sweep --url … --max-tokens 16 --stall-timeout 5 --no-warmup` (48 requests)'));
  try {
    const r = await runRunaway({ root });
    const t = new Table({ head: ['run s', 'exit code', 'CLI peak RSS MB', 'requests', 'ended by a limit'], style: { head: [], border: [] } });
    t.push([f1(r.seconds), r.exitCode ?? '—', r.peakRssMb === null ? 'not reported' : f1(r.peakRssMb), r.requests, r.limited]);
    console.log(t.toString());
    if (r.example) console.log(pc.dim(`e.g. ${r.example}`));
    summary.push({ what: 'runaway server: the run ends', measured: `${f1(r.seconds)} s`, target: `< ${RUNAWAY_SECONDS} s`, ratio: f2(r.seconds / RUNAWAY_SECONDS), verdict: verdict(r.seconds < RUNAWAY_SECONDS) });
    summary.push({
      what: 'runaway server: CLI peak RSS',
      measured: r.peakRssMb === null ? 'not reported' : `${f1(r.peakRssMb)} MB`,
      target: `< ${RUNAWAY_RSS_MB} MB`,
      ratio: r.peakRssMb === null ? '—' : f2(r.peakRssMb / RUNAWAY_RSS_MB),
      verdict: r.peakRssMb === null ? '' : verdict(r.peakRssMb < RUNAWAY_RSS_MB),
    });
  } catch (err) {
    crashed = true;
    console.error(pc.red(`runaway failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
  }
  console.log();
}

console.log(pc.bold('\nSummary'));
const s = new Table({ head: ['measure', 'measured', 'target', 'ratio to target', ''], style: { head: [], border: [] } });
for (const r of summary) s.push([r.what, r.measured, r.target, r.ratio, r.verdict]);
console.log(s.toString());
console.log(`bench took ${f1((performance.now() - started) / 1000)} s`);
process.exit(crashed ? 1 : 0);
