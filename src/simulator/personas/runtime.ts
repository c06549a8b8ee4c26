/**
 * What every engine persona shares at run time: binding the port, the model
 * "load" at start-up, SIGTERM, injected faults (HTTP 500s, crash after N
 * requests, stalled streams), request slots, and playing a generation back in
 * real time through the shared timing model (../model.ts, ../playback.ts).
 * One process, no engine child: llama-server, mlx_lm.server, LM Studio's and
 * Ollama's servers are single processes from a client's point of view.
 */
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { SpecMethod } from '../../shared/schemas';
import { prepareGeneration, type Generation, type GenerationInput } from '../generation';
import { mixSeed, prng } from '../model';
import { drive } from '../playback';
import { Slots } from '../slots';
import type { PersonaKnobs } from './knobs';

export { Slots };

/** Wall-clock ms on the high-resolution clock. */
export const nowMs = (): number => performance.timeOrigin + performance.now();
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Running totals a persona may report (llama-server's /metrics) or keep to itself. */
export class PersonaCounters {
  running = 0;
  promptTokens = 0;
  generationTokens = 0;
  requests = 0;
  decodeCalls = 0;
  promptMs = 0;
  predictedMs = 0;
  drafts = 0;
  draftTokens = 0;
  acceptedTokens = 0;
  readonly acceptedPerPos: number[] = [];

  recordStep(drafted: number, accepted: number): void {
    this.decodeCalls++;
    if (drafted <= 0) return;
    this.drafts++;
    this.draftTokens += drafted;
    this.acceptedTokens += accepted;
    while (this.acceptedPerPos.length < drafted) this.acceptedPerPos.push(0);
    for (let i = 0; i < accepted; i++) this.acceptedPerPos[i]++;
  }
}

export interface Speculation {
  method: SpecMethod;
  k: number;
}

/** Per-request α / draft-cost overrides (LM Studio's per-draft --sim-draft). */
export interface TimingOverride {
  alpha?: number;
  draftCost?: number;
}

export interface RequestTiming {
  receivedMs: number;
  firstTokenMs: number;
  lastTokenMs: number;
  drafted: number;
  accepted: number;
  /** Accepted drafts beyond what the answer needed (the run was cut at the end). */
  acceptedBeyondEnd: number;
  emitted: number;
}

export interface PlayCallbacks {
  /** One token's text; `isLast` on the final token. */
  token(text: string, index: number, isLast: boolean): void;
  done(timing: RequestTiming): void;
}

export interface PersonaServerOptions {
  name: string;
  host: string;
  port: number;
  knobs: PersonaKnobs;
  /** Context size for the generation budget when a request gives no limit. */
  maxModelLen: number;
  log(line: string): void;
  /**
   * 'before-load': the port opens first and the persona answers "loading" until
   * the model is in (llama-server). 'after-load': the port opens once loaded.
   */
  bind: 'before-load' | 'after-load';
  handle(req: http.IncomingMessage, res: http.ServerResponse, rt: PersonaRuntime): void;
  onListening(port: number): void;
  onLoaded(): void;
  /** Logs the load failure (--sim-fail-startup); the process then exits 1. */
  onLoadFailed(): void;
  onBindError(message: string): void;
  /** Logs the crash (--sim-crash-after); the process then exits 1. */
  onCrash(): void;
  onShutdown(signal: string): void;
}

export class PersonaRuntime {
  loaded = false;
  readonly counters = new PersonaCounters();
  private completed = 0;
  private generationRequests = 0;
  private requestIndex = 0;
  private readonly failRand: () => number;

  constructor(private readonly o: PersonaServerOptions) {
    this.failRand = prng(mixSeed(o.knobs.seed, 0x500));
  }

  get knobs(): PersonaKnobs {
    return this.o.knobs;
  }

  /** Counts a generation request; true when an injected HTTP 500 should answer it. */
  injectFailure(): boolean {
    this.generationRequests++;
    const k = this.o.knobs;
    return (k.http500Every !== null && this.generationRequests % k.http500Every === 0) || (k.http500Rate !== null && this.failRand() < k.http500Rate);
  }

  /** A generation finished and its response is written; may end the process (--sim-crash-after). */
  requestCompleted(): void {
    this.completed++;
    const after = this.o.knobs.crashAfter;
    if (after !== null && this.completed >= after) {
      this.o.onCrash();
      process.exit(1);
    }
  }

  /** The deterministic generation for a request under the given speculation. */
  generation(input: GenerationInput, spec: Speculation | null, over: TimingOverride = {}, maxModelLen = this.o.maxModelLen): Generation {
    const k = this.o.knobs;
    return prepareGeneration(
      input,
      {
        maxModelLen,
        seed: k.seed,
        speculative: spec && spec.k > 0 ? { method: spec.method, numSpeculativeTokens: spec.k } : null,
        sim: { alpha: over.alpha ?? k.alpha, draftCost: over.draftCost ?? k.draftCost, stepMs: k.stepMs, jitter: k.jitter, tokenComputeMs: k.tokenComputeMs },
      },
      this.requestIndex++,
    );
  }

  /**
   * Plays a generation in real time and hands out ONE token per call, as
   * llama-server, mlx_lm, LM Studio and Ollama stream (tokens accepted in one
   * verification step leave together, in consecutive events). Cancel on disconnect.
   */
  play(gen: Generation, receivedMs: number, cb: PlayCallbacks): { cancel(): void } {
    const timing: RequestTiming = { receivedMs, firstTokenMs: 0, lastTokenMs: 0, drafted: 0, accepted: 0, acceptedBeyondEnd: 0, emitted: 0 };
    const counters = this.counters;
    counters.running++;
    counters.requests++;
    counters.promptTokens += gen.promptTokens;
    let finished = false;
    const end = () => {
      if (finished) return;
      finished = true;
      counters.running--;
    };
    const driver = drive(gen, { sim: { stallAfterTokens: this.o.knobs.stallAfterTokens } }, counters, {
      emit: (_text, tokens, isLast) => {
        const t = nowMs();
        if (timing.emitted === 0) timing.firstTokenMs = t;
        timing.lastTokenMs = t;
        for (let i = 0; i < tokens; i++) {
          const index = timing.emitted++;
          cb.token(gen.pieces[index] ?? '', index, isLast && i === tokens - 1);
        }
      },
      step: (drafted, accepted, tokens) => {
        timing.drafted += drafted;
        timing.accepted += accepted;
        timing.acceptedBeyondEnd += Math.max(0, accepted + 1 - tokens);
      },
      done: () => {
        end();
        counters.promptMs += timing.firstTokenMs - receivedMs;
        counters.predictedMs += timing.lastTokenMs - timing.firstTokenMs;
        cb.done(timing);
      },
    });
    return {
      cancel: () => {
        driver.cancel();
        end();
      },
    };
  }
}

/**
 * These servers check no key, yet whose key reaches which server matters (a vLLM key must not go to
 * LM Studio): a request carrying an Authorization header is logged with a fingerprint of the header
 * (sha256, 12 hex digits), never its value, so a test can tell which key arrived.
 */
export function noteAuthorization(req: http.IncomingMessage, log: (line: string) => void): void {
  const auth = req.headers.authorization;
  if (auth === undefined) return;
  log(`${req.method} ${pathOf(req)} carried an Authorization header (sha256 ${authFingerprint(auth)}); this server checks no key`);
}

/** The fingerprint noteAuthorization logs for a header value ("Bearer KEY"). */
export const authFingerprint = (headerValue: string): string => createHash('sha256').update(headerValue).digest('hex').slice(0, 12);

/** Serves until a signal or a fault ends the process. */
export async function runPersonaServer(o: PersonaServerOptions): Promise<never> {
  const rt = new PersonaRuntime(o);
  let shuttingDown = false;
  const server = http.createServer({ noDelay: true, keepAliveTimeout: 5000 }, (req, res) => {
    res.setHeader('x-spectune-simulated', '1');
    noteAuthorization(req, o.log);
    if (shuttingDown) {
      res.writeHead(503).end();
      return;
    }
    try {
      o.handle(req, res, rt);
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String((err as Error)?.message ?? err));
    }
  });

  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    o.onShutdown(signal);
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => {
    if (o.knobs.ignoreSigterm) {
      o.log('received SIGTERM; ignoring it (--sim-ignore-sigterm). Only SIGKILL stops this server.');
      return;
    }
    shutdown('SIGTERM');
  });

  const load = async () => {
    await sleep(o.knobs.startupMs);
    if (o.knobs.failStartup) {
      o.onLoadFailed();
      process.exit(1);
    }
    rt.loaded = true;
    o.onLoaded();
  };
  const listen = () =>
    new Promise<number>((resolve) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        o.onBindError(err.code === 'EADDRINUSE' ? 'address already in use' : err.message);
        process.exit(1);
      });
      server.listen(o.port, o.host, () => resolve((server.address() as AddressInfo).port));
    });

  if (o.bind === 'before-load') {
    o.onListening(await listen());
    await load();
  } else {
    await load();
    o.onListening(await listen());
  }
  return new Promise<never>(() => {});
}

/** JSON response with content-length (the simulated-marker header is already set). */
export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Path without the query string. */
export const pathOf = (req: http.IncomingMessage): string => (req.url ?? '/').split('?')[0];
