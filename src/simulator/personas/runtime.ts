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
import { nowMs, sleep } from '../clock';
import { prepareGeneration, type Generation, type GenerationInput } from '../generation';
import type { SimSpecMethod } from '../model';
import { drive } from '../playback';
import { InjectedFaults } from './faults';
import type { PersonaKnobs } from './knobs';
import { createRouter, type Dialect, type Exchange, type Route } from './router';

/** Running totals a persona may report (llama-server's /metrics) or keep to itself. */
class PersonaCounters {
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

/** What a request drafts with: the method, k, and what sets the draft's quality. */
export interface Speculation {
  method: SimSpecMethod;
  k: number;
  /** The draft model's name (its size and --sim-draft profile set α and cost). */
  draftModel?: string | null;
  /** The target's name (a size in it scales a sized draft). */
  targetModel?: string | null;
  /** llama-server's confidence cut-off; 0 or absent = none. */
  pMin?: number;
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
  /** The persona's route table, over the runtime it serves with. */
  routes(rt: PersonaRuntime): readonly Route[];
  dialect: Dialect;
  /** With bind 'before-load': the answer to every request until the model is loaded (llama-server's 503). */
  whileLoading?(x: Exchange): void;
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
  private requestIndex = 0;
  private readonly faults: InjectedFaults;

  constructor(private readonly o: PersonaServerOptions) {
    this.faults = new InjectedFaults(o.knobs, o.knobs.seed);
  }

  get knobs(): PersonaKnobs {
    return this.o.knobs;
  }

  /** Counts a generation request; true when an injected HTTP 500 should answer it. */
  injectFailure(): boolean {
    return this.faults.failsNext();
  }

  /** A generation finished and its response is written; may end the process (--sim-crash-after). */
  readonly requestCompleted = (): void => {
    if (this.faults.crashesNow()) {
      this.o.onCrash();
      process.exit(1);
    }
  };

  /** The deterministic generation for a request under the given speculation. */
  generation(input: GenerationInput, spec: Speculation | null, maxModelLen = this.o.maxModelLen): Generation {
    const k = this.o.knobs;
    return prepareGeneration(
      input,
      {
        maxModelLen,
        seed: k.seed,
        ...(spec?.targetModel ? { model: spec.targetModel } : {}),
        speculative: spec && spec.k > 0 ? { method: spec.method, numSpeculativeTokens: spec.k, model: spec.draftModel ?? null, pMin: spec.pMin ?? 0 } : null,
        sim: k,
      },
      this.requestIndex++,
    );
  }

  /**
   * Plays a generation in real time and hands out ONE token per call, as
   * llama-server, mlx_lm, LM Studio and Ollama stream (tokens accepted in one
   * verification step leave together, in consecutive events). The request's
   * place (`release`) is given back when the generation ends, before `done`
   * writes the answer, or when the client leaves, which also stops the playback.
   */
  play(gen: Generation, receivedMs: number, res: http.ServerResponse, cb: PlayCallbacks, release: () => void = () => {}): void {
    const timing: RequestTiming = { receivedMs, firstTokenMs: 0, lastTokenMs: 0, drafted: 0, accepted: 0, acceptedBeyondEnd: 0, emitted: 0 };
    const counters = this.counters;
    counters.running++;
    counters.requests++;
    counters.promptTokens += gen.promptTokens;
    let finished = false;
    const end = (): boolean => {
      if (finished) return false;
      finished = true;
      counters.running--;
      release();
      return true;
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
    res.on('close', () => {
      if (end()) driver.cancel();
    });
  }
}

/**
 * These servers check no key, yet whose key reaches which server matters (a vLLM key must not go to
 * LM Studio): a request carrying an Authorization header is logged with a fingerprint of the header
 * (sha256, 12 hex digits), never its value, so a test can tell which key arrived.
 */
function noteAuthorization(req: http.IncomingMessage, log: (line: string) => void): void {
  const auth = req.headers.authorization;
  if (auth === undefined) return;
  log(`${req.method} ${(req.url ?? '/').split('?')[0]} carried an Authorization header (sha256 ${authFingerprint(auth)}); this server checks no key`);
}

/** The fingerprint noteAuthorization logs for a header value ("Bearer KEY"). */
export const authFingerprint = (headerValue: string): string => createHash('sha256').update(headerValue).digest('hex').slice(0, 12);

/** Serves until a signal or a fault ends the process. */
export async function runPersonaServer(o: PersonaServerOptions): Promise<never> {
  const rt = new PersonaRuntime(o);
  let shuttingDown = false;
  const refuse: Dialect['refuse'] = (x) => {
    noteAuthorization(x.req, o.log);
    if (shuttingDown) x.res.writeHead(503).end();
    else if (!rt.loaded && o.whileLoading) o.whileLoading(x);
    else return o.dialect.refuse?.(x) ?? false;
    return true;
  };
  const server = http.createServer({ noDelay: true, keepAliveTimeout: 5000 }, createRouter(o.routes(rt), { ...o.dialect, refuse }));

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
