/**
 * `npm run bench:embedded`: does speculation pay on the embedded engine, and
 * from what model size on? For each size × draft divergence it generates the
 * GGUF pair, starts the embedded server once per k (as a sweep would) and
 * measures decode speed with SpecTune's own bench client.
 *
 * Columns: client tok/s (completion tokens / request time, what a sweep
 * scores), server tok/s (llama-server's predicted_per_second: decode only),
 * acceptance (draft_n_accepted / draft_n), speed-up against k = 0 (the
 * median of per-request ratios, each k measured right after the others), and
 * the server's CPU time per token: on a shared machine wall-clock speed mostly
 * measures the neighbours, while CPU time per token (one thread per context)
 * is what an idle machine turns into speed. With --p-mins, every k > 0 runs at
 * each confidence cut-off (the server's --draft-p-min): drafted per draft
 * (draft_n / draft_n_drafts) shows how early the cut-off stops drafting.
 *
 * Not a test: it prints numbers and exits 0 whatever they are (the machine is
 * shared; the load average is printed beside them). Only a crash exits 1.
 *
 *   npm run bench:embedded -- [--sizes tiny,small] [--divergences 0,0.5] [--ks 0,1,2,3,4,6]
 *                             [--p-mins 0,0.5] [--max-tokens 96] [--rounds 2] [--threads 1]
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { median } from 'simple-statistics';
import { generateGgufPair } from '../src/engines/embedded/gguf/generate-pair';
import { MODEL_SIZES, type ModelShape } from '../src/engines/embedded/gguf/model-sizes';
import { startEmbeddedServer } from '../src/engines/embedded/server/spawn';
import { streamCompletionDetailed } from '../src/core/bench-client';
import { freePort } from '../src/node/port-check';

const PROMPTS = [
  'Tell me a story about a fast model and a slow server.',
  'Explain how the draft and the target work together, in detail.',
  'Write a poem about water, light and the earth.',
];

const USAGE =
  'usage: npm run bench:embedded -- [--sizes tiny,small] [--divergences 0,0.5] [--ks 0,1,2,3,4,6] [--p-mins 0,0.5] [--max-tokens 96] [--rounds 2] [--threads 1]';
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: 'tiny,small' },
    divergences: { type: 'string', default: '0,0.5' },
    ks: { type: 'string', default: '0,1,2,3,4,6' },
    'p-mins': { type: 'string', default: '0' },
    'max-tokens': { type: 'string', default: '96' },
    rounds: { type: 'string', default: '2' },
    threads: { type: 'string', default: '1' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
/** A size name, or EMBEDDING:HEADS:FEED_FORWARD:BLOCKS for shapes between tiny and small (draft: 1 block). */
function parseShape(s: string): ModelShape {
  if (s in MODEL_SIZES) return MODEL_SIZES[s as keyof typeof MODEL_SIZES];
  const m = /^(\d+):(\d+):(\d+):(\d+)$/.exec(s);
  if (!m) {
    console.error(`--sizes: unknown size ${s} (use ${Object.keys(MODEL_SIZES).join(', ')} or EMBEDDING:HEADS:FEED_FORWARD:BLOCKS)\n${USAGE}`);
    process.exit(2);
  }
  const [embedding, heads, feedForward, targetBlocks] = m.slice(1).map(Number);
  return { embedding, heads, feedForward, context: 512, targetBlocks, draftBlocks: 1 };
}
const sizes = values.sizes.split(',');
const shapes = new Map(sizes.map((s) => [s, parseShape(s)]));
const divergences = values.divergences.split(',').map(Number);
const ks = values.ks.split(',').map(Number);
const pMins = values['p-mins'].split(',').map(Number);
const maxTokens = Number(values['max-tokens']);
const rounds = Number(values.rounds);
const threads = Number(values.threads);
if (![...divergences, ...ks, ...pMins, maxTokens, rounds, threads].every((n) => Number.isFinite(n) && n >= 0) || !ks.includes(0) || pMins.some((p) => p >= 1)) {
  console.error(`numbers must be ≥ 0, --p-mins below 1, and --ks must include 0 (the baseline)\n${USAGE}`);
  process.exit(2);
}
/** One server per (k, p_min); k = 0 drafts nothing, so it runs once, as the baseline. */
const arms = ks.flatMap((k) => (k === 0 ? [{ k, pMin: 0 }] : pMins.map((pMin) => ({ k, pMin }))));

/**
 * On-CPU nanoseconds of every thread of a process (Linux schedstat). Under a
 * busy machine wall-clock speed mostly measures the other work; the CPU time a
 * token costs the server is what an idle machine would turn into speed.
 */
async function cpuNs(pid: number): Promise<number> {
  let total = 0;
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    try {
      total += Number((await readFile(`/proc/${pid}/task/${tid}/schedstat`, 'utf8')).split(' ')[0]);
    } catch {
      /* thread ended meanwhile */
    }
  }
  return total;
}

interface Row {
  size: string;
  divergence: number;
  k: number;
  pMin: number;
  clientTps: number;
  serverTps: number;
  /** Median over (round, prompt) of this k's tok/s over k = 0's, measured back to back. */
  speedup: number;
  /** Server CPU µs per generated token, over all measured requests. */
  cpuUsPerToken: number;
  acceptance: number | null;
  /** draft_n / draft_n_drafts: below k when the cut-off (or the end of max_tokens) stopped drafts early. */
  draftedPerDraft: number | null;
  hashes: string;
}

const load = () => loadavg()[0].toFixed(1);
const dir = await mkdtemp(path.join(tmpdir(), 'spectune-bench-embedded-'));
const rows: Row[] = [];
console.log(`load average at start: ${load()} (2 cores here; other work on the machine skews every figure)`);
try {
  for (const size of sizes) {
    for (const divergence of divergences) {
      const pair = await generateGgufPair({ outDir: path.join(dir, `${size.replaceAll(':', '-')}-${divergence}`), shape: shapes.get(size), divergence });
      // Every k's server runs at once and requests go round-robin (order rotated
      // each round), so drifting load from other work hits every k alike; the
      // weights are mmapped, so the servers share one copy in the page cache.
      const servers = [];
      try {
        for (const { k, pMin } of arms) {
          servers.push(
            await startEmbeddedServer(
              { model: pair.targetPath, draftModel: pair.draftPath, draftMax: k, draftPMin: pMin, port: await freePort(), extraArgs: ['--threads', String(threads)] },
              120_000,
            ),
          );
        }
        const acc = arms.map(() => ({
          client: [] as number[],
          decode: [] as number[],
          ratio: [] as number[],
          drafted: 0,
          accepted: 0,
          drafts: 0,
          hashes: [] as string[],
          cpuNs: 0,
          tokens: 0,
        }));
        for (let r = -1; r < rounds; r++) {
          for (const prompt of PROMPTS) {
            const order = arms.map((_, i) => (i + Math.max(r, 0)) % arms.length);
            const tps = new Map<number, number>();
            for (const i of order) {
              const cpuBefore = await cpuNs(servers[i].child.pid!);
              const d = await streamCompletionDetailed({
                baseUrl: servers[i].baseUrl,
                model: 'target',
                api: 'completions',
                system: '',
                prompt,
                maxTokens,
                temperature: 0,
                seed: 1,
                ignoreEos: true,
                connectTimeoutMs: 10_000,
                stallTimeoutMs: 120_000,
              });
              const cpuAfter = await cpuNs(servers[i].child.pid!);
              // Round -1 warms up (first-touch page faults of the weights are not decode speed).
              if (r < 0) continue;
              acc[i].cpuNs += cpuAfter - cpuBefore;
              acc[i].tokens += d.metrics.completionTokens;
              const t = (d.usageChunk as { timings: { predicted_per_second: number; draft_n?: number; draft_n_accepted?: number; draft_n_drafts?: number } }).timings;
              const a = acc[i];
              a.client.push(d.metrics.tokensPerSecond);
              a.decode.push(t.predicted_per_second);
              a.drafted += t.draft_n ?? 0;
              a.accepted += t.draft_n_accepted ?? 0;
              a.drafts += t.draft_n_drafts ?? 0;
              if (r === 0) a.hashes.push(d.metrics.outputHash.slice(0, 6));
              tps.set(i, d.metrics.tokensPerSecond);
            }
            const baseline = arms.findIndex((a) => a.k === 0);
            if (r >= 0) for (let i = 0; i < arms.length; i++) acc[i].ratio.push(tps.get(i)! / tps.get(baseline)!);
          }
        }
        arms.forEach(({ k, pMin }, i) => {
          const a = acc[i];
          const row: Row = {
            size,
            divergence,
            k,
            pMin,
            clientTps: median(a.client),
            serverTps: median(a.decode),
            speedup: median(a.ratio),
            cpuUsPerToken: a.cpuNs / a.tokens / 1000,
            acceptance: a.drafted > 0 ? a.accepted / a.drafted : null,
            draftedPerDraft: a.drafts > 0 ? a.drafted / a.drafts : null,
            hashes: a.hashes.join(' '),
          };
          rows.push(row);
          console.log(
            `${size} divergence ${divergence} k=${k} p_min=${pMin}: ${row.clientTps.toFixed(1)} tok/s client, ${row.serverTps.toFixed(1)} decode, ` +
              `speed-up ${row.speedup.toFixed(2)}×, ${row.cpuUsPerToken.toFixed(0)} CPU µs/token, acceptance ${row.acceptance?.toFixed(3) ?? '—'}, ` +
              `drafted per draft ${row.draftedPerDraft?.toFixed(2) ?? '—'} (load ${load()})`,
          );
        });
      } finally {
        for (const s of servers) await s.stop();
      }
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const table = new Table({
  head: ['size', 'divergence', 'k', 'p_min', 'client tok/s', 'decode tok/s', 'speed-up (paired)', 'CPU µs/token', 'CPU speed-up', 'acceptance', 'drafted/draft', 'output hashes'],
  style: { head: [], border: [] },
});
for (const r of rows) {
  const base = rows.find((b) => b.size === r.size && b.divergence === r.divergence && b.k === 0);
  table.push([
    r.size,
    r.divergence,
    r.k,
    r.k === 0 ? '—' : r.pMin,
    r.clientTps.toFixed(1),
    r.serverTps.toFixed(1),
    `${r.speedup.toFixed(2)}×`,
    r.cpuUsPerToken.toFixed(0),
    base ? `${(base.cpuUsPerToken / r.cpuUsPerToken).toFixed(2)}×` : '—',
    r.acceptance === null ? '—' : r.acceptance.toFixed(3),
    r.draftedPerDraft === null ? '—' : r.draftedPerDraft.toFixed(2),
    r.hashes + (base && base.hashes !== r.hashes ? ' (DIFFERS FROM k=0!)' : ''),
  ]);
}
console.log(table.toString());
console.log(`load average at end: ${load()}`);
