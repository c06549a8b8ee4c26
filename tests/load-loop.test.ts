/**
 * The closed loop of one load level against a tiny local SSE server that counts
 * the requests it holds at each moment: exactly c in flight through the steady
 * window, ramp-up and drain unrecorded, rounds over the prompt matrix, failures
 * recorded and replaced, and nothing left running after the level or a cancel.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { levelPlan, meanCovering, requestsPerConfiguration, steadyWindow, steadyWindowMs, type Span } from '../src/core/sweep/load';
import { measureLevel, type LevelContext } from '../src/core/sweep/level';
import type { MatrixCell } from '../src/core/sweep/setup';
import { mlxEngine } from '../src/engines/mlx';
import type { Engine } from '../src/engines/engine';
import { resolvePromptTypes, resolveSystemPrompts } from '../src/shared/prompts';
import { SweepPlanSchema, type Measurement } from '../src/shared/schemas';

/** One event per request arrival/end at the server, with how many it held right after. */
interface Tick {
  at: number;
  held: number;
  arrival: boolean;
}

interface CountingServer {
  url: string;
  held: () => number;
  max: () => number;
  arrivals: () => number;
  ticks: Tick[];
  close: () => Promise<void>;
}

/** Streams `tokens` chunks `gapMs` apart; every `failEvery`-th request answers 500 at once. */
async function countingServer(opts: { tokens: number; gapMs: number; failEvery?: number }): Promise<CountingServer> {
  let held = 0;
  let max = 0;
  let arrivals = 0;
  const ticks: Tick[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      arrivals++;
      if (opts.failEvery && arrivals % opts.failEvery === 0) {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"boom"}}');
        return;
      }
      held++;
      max = Math.max(max, held);
      ticks.push({ at: performance.now(), held, arrival: true });
      let sent = 0;
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        clearInterval(timer);
        held--;
        ticks.push({ at: performance.now(), held, arrival: false });
      };
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => {
        if (sent < opts.tokens) {
          sent++;
          res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'tok ' } }] })}\n\n`);
          return;
        }
        res.write(`data: ${JSON.stringify({ choices: [], usage: { completion_tokens: opts.tokens, prompt_tokens: 5 } })}\n\n`);
        res.end('data: [DONE]\n\n');
        end();
      }, opts.gapMs);
      res.on('close', end);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    held: () => held,
    max: () => max,
    arrivals: () => arrivals,
    ticks,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const open: CountingServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

// An engine with no acceptance source and no load hooks: only the request path is under test.
const engine: Engine = { ...mlxEngine, load: undefined };

function context(url: string, c: number, repeats: number, extra: Partial<LevelContext> = {}): LevelContext & { recorded: Measurement[] } {
  const plan = SweepPlanSchema.parse({ mode: 'attached', url, tokens: [0], promptTypes: ['code', 'creative', 'technical'], systemPrompts: ['direct'], repeats, maxTokens: 16, warmup: false });
  const pts = resolvePromptTypes(plan.promptTypes, plan.customPrompts);
  const sps = resolveSystemPrompts(plan.systemPrompts, plan.customSystemPrompts);
  const matrix: MatrixCell[] = pts.flatMap((pt) => sps.map((sp) => ({ pt, sp })));
  const recorded: Measurement[] = [];
  return {
    plan,
    engine,
    build: null,
    config: { numSpeculativeTokens: 0, draftModel: null, method: null, draftPMin: null },
    matrix,
    concurrency: c,
    warmup: false,
    baseUrl: url,
    model: 'm',
    launched: false,
    configAbort: new AbortController(),
    crashed: () => null,
    onPhase: () => {},
    record: async (m) => void recorded.push(m),
    recorded,
    ...extra,
  };
}

/** Time-weighted mean of what the server held between two instants. */
function meanHeld(ticks: readonly Tick[], from: number, to: number): number {
  let area = 0;
  let held = 0;
  let last = from;
  for (const t of ticks) {
    if (t.at > to) break;
    if (t.at > from) {
      area += held * (t.at - last);
      last = t.at;
    }
    held = t.held;
  }
  area += held * (to - last);
  return area / (to - from);
}

describe('level plan and steady window (pure)', () => {
  it('a round repeats the matrix until it holds at least c requests', () => {
    expect(levelPlan(8, 3, 3)).toEqual({ perRound: 9, measured: 27 });
    expect(levelPlan(2, 3, 4)).toEqual({ perRound: 3, measured: 12 });
    expect(levelPlan(6, 6, 1)).toEqual({ perRound: 6, measured: 6 });
    // Level 1 stays the sequential cells: matrix × repeats.
    expect(requestsPerConfiguration([1, 8, 32], 4, 3)).toEqual(12 + 24 + 96);
  });

  it('the window runs from the first measured start to the last measured end; ramp-up and drain are cut off', () => {
    expect(steadyWindow([])).toBeNull();
    const measured = (start: number, end: number) => ({ start, end, kind: 'measured' as const });
    expect(steadyWindow([measured(1000, 1500), measured(1200, 3000), measured(900, 1100)])).toBeCloseTo(2.1, 9);
    // Ramp-up requests started before (and ran into) the window, fillers ran past its end: neither moves it.
    const spans: Span[] = [
      { start: 0, end: 950, kind: 'ramp-up' },
      { start: 0, end: 1300, kind: 'ramp-up' },
      measured(950, 2000),
      measured(1300, 2600),
      { start: 2000, end: 2900, kind: 'filler' },
    ];
    expect(steadyWindowMs(spans)).toEqual({ start: 950, end: 2600 });
    expect(steadyWindow(spans)).toBeCloseTo(1.65, 9);
    expect(steadyWindow([{ start: 0, end: 900, kind: 'ramp-up' }])).toBeNull();
    // In flight over the window, every kind counted: always two here (each end met by the next start).
    expect(meanCovering(spans, 950, 2600)).toBeCloseTo(2, 9);
    expect(meanCovering([measured(950, 1775)], 950, 2600)).toBeCloseTo(0.5, 9);
  });
});

describe('closed loop against a counting server', { timeout: 30_000 }, () => {
  it('keeps exactly c in flight, records rounds over the matrix, and leaves nothing running', async () => {
    const srv = await countingServer({ tokens: 20, gapMs: 15 });
    open.push(srv);
    const c = 8;
    const ctx = context(srv.url, c, 3);
    const result = await measureLevel(ctx);
    const { perRound, measured } = levelPlan(c, 3, 3);

    expect(result.run.failed).toBe(false);
    expect(result.run.concurrency).toBe(c);
    expect(ctx.recorded).toHaveLength(measured);
    expect(result.measurements).toHaveLength(measured);
    expect(ctx.recorded.every((m) => m.ok && m.concurrency === c)).toBe(true);
    // Rounds: perRound requests each, the matrix covered evenly (ceil(8/3) = 3 times per round).
    for (let round = 0; round < 3; round++) {
      const inRound = ctx.recorded.filter((m) => m.repeat === round);
      expect(inRound).toHaveLength(perRound);
      for (const pt of ['code', 'creative', 'technical']) expect(inRound.filter((m) => m.promptType === pt)).toHaveLength(3);
    }
    // Never more than c at the server; ramp-up, measured and fillers all went through it.
    expect(srv.max()).toBe(c);
    expect(srv.arrivals()).toBeGreaterThanOrEqual(c + measured);
    // Through the steady window the server held c requests nearly all the time: only a replacement in transit
    // (a few ms on an idle machine, tens of ms on a loaded one, against ~0.3 s requests) leaves a slot empty.
    const starts = ctx.recorded.map((m) => Date.parse(m.startedAt));
    expect(Math.max(...starts) - Math.min(...starts)).toBeGreaterThan(0);
    const firstMeasured = srv.ticks.filter((t) => t.arrival)[c].at; // the (c+1)-th arrival is the first measured request
    const lastEnd = firstMeasured + result.steadyWindowSeconds! * 1000;
    const mean = meanHeld(srv.ticks, firstMeasured, lastEnd - 20);
    expect(mean).toBeGreaterThan(0.8 * c);
    expect(result.steadyWindowSeconds!).toBeGreaterThan(0.05);
    // Fillers were aborted once the last measured request ended: the server holds nothing.
    await expect.poll(() => srv.held(), { timeout: 2000 }).toBe(0);
    expect(result.clientCpuSeconds).toBeGreaterThan(0);
  });

  it('records a failed request as ok: false and replaces it (c stays in flight)', async () => {
    const srv = await countingServer({ tokens: 8, gapMs: 3, failEvery: 7 });
    open.push(srv);
    const ctx = context(srv.url, 4, 3);
    const result = await measureLevel(ctx);
    const { measured } = levelPlan(4, 3, 3);
    expect(result.run.failed).toBe(false);
    expect(ctx.recorded).toHaveLength(measured);
    const failed = ctx.recorded.filter((m) => !m.ok);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0].error).toMatch(/HTTP 500/);
    expect(srv.max()).toBe(4);
    await expect.poll(() => srv.held(), { timeout: 2000 }).toBe(0);
  });

  it('a cancel under load aborts every request in flight and records none of them', async () => {
    const srv = await countingServer({ tokens: 200, gapMs: 10 });
    open.push(srv);
    const ac = new AbortController();
    const ctx = context(srv.url, 6, 3, { signal: ac.signal });
    setTimeout(() => ac.abort(), 300);
    const t0 = performance.now();
    const result = await measureLevel(ctx);
    // Returned soon after the cancel (requests take 2 s each), nothing recorded, nothing left at the server.
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(ctx.recorded).toHaveLength(0);
    expect(result.run.failed).toBe(false);
    expect(srv.max()).toBe(6);
    await expect.poll(() => srv.held(), { timeout: 2000 }).toBe(0);
  });

  it('a record that cannot be written (full disk) stops the level and is thrown once nothing runs', async () => {
    const srv = await countingServer({ tokens: 10, gapMs: 5 });
    open.push(srv);
    let writes = 0;
    const ctx = context(srv.url, 4, 3, {
      record: async () => {
        if (++writes === 2) throw new Error('ENOSPC: no space left on device');
      },
    });
    await expect(measureLevel(ctx)).rejects.toThrow(/ENOSPC/);
    expect(writes).toBe(2);
    await expect.poll(() => srv.held(), { timeout: 2000 }).toBe(0);
  });

  it('an attached server that stops answering ends the level as failed', async () => {
    const srv = await countingServer({ tokens: 30, gapMs: 5 });
    const ctx = context(srv.url, 4, 3);
    setTimeout(() => void srv.close(), 250);
    const result = await measureLevel(ctx);
    expect(result.run.failed).toBe(true);
    expect(result.run.error).toMatch(/stopped answering/);
    expect(srv.held()).toBe(0);
  });
});
