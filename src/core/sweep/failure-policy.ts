/**
 * What a failed request means, the same for every measurement path (level 1
 * one at a time, the closed loop above it):
 * - a cancel, or a launched server that died, is not a failed measurement:
 *   nothing is recorded for it, and the configuration ends (failed, for a crash);
 * - a lost connection to a launched server waits a moment for the launcher to
 *   report a crash before the failure counts as the request's own;
 * - an HTTP 4xx before the configuration answered anything means the engine
 *   refused the configuration (LM Studio: a draft with another vocabulary);
 * - an attached server failing three requests in a row is probed; gone, it
 *   ends the configuration.
 */
import { SpecTuneError } from '../../shared/errors';
import { probeEndpoint } from '../probes';

/** Request failures that a server dying would also cause (an HTTP error status would not). */
export const CONNECTION_LOSS = new Set(['CONNECT_FAILED', 'CONNECT_TIMEOUT', 'BAD_STREAM', 'STREAM_STALLED']);

/**
 * How long a lost connection waits for the launcher to report a crash. The client sees the
 * reset before the launcher reaps the process and collects its last log lines (up to 250 ms);
 * without this wait, the cut request and every quick "connection refused" after it would be
 * recorded as failed requests of a server that is simply gone.
 */
export const CRASH_NOTICE_MS = 1500;

/** Failures in a row after which an attached server is asked whether it still answers. */
export const PROBE_AFTER_FAILURES = 3;

/** Resolves when the signal aborts or after ms, whichever is first; leaves no timer behind. */
export function abortedOrAfter(signal: AbortSignal, ms: number): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

const isConnectionLoss = (err: unknown) => err instanceof SpecTuneError && CONNECTION_LOSS.has(err.code);
const isRefusal = (err: unknown): err is SpecTuneError => err instanceof SpecTuneError && err.code === 'HTTP_ERROR' && /HTTP 4\d\d/.test(err.message);

export interface PolicyContext {
  /** The engine's name, for the refusal message. */
  label: string;
  baseUrl: string;
  /** True when SpecTune launched the server (a lost connection may be a crash it will hear about). */
  launched: boolean;
  /** Aborted by a cancel or when the launched server dies. */
  abort: AbortSignal;
  /** Why the launched server is gone, once it is. */
  crashed: () => string | null;
  /** The configuration answered at this level before (a 4xx now is a failed request, not a refusal). */
  answered: boolean;
}

export class FailurePolicy {
  private consecutive = 0;
  private probing = false;
  /** Some request of this configuration at this level succeeded. */
  answered: boolean;
  /** Why the configuration cannot go on (refused, server gone); null while it can. */
  verdict: string | null = null;
  /** The verdict is the engine refusing the configuration (a result, not a run cut short). */
  refused = false;

  constructor(private readonly ctx: PolicyContext) {
    this.answered = ctx.answered;
  }

  /** Nothing more to send: cancelled, the server died, or a verdict is in. */
  stopped(): boolean {
    if (!this.verdict) this.verdict = this.ctx.crashed();
    return this.verdict !== null || this.ctx.abort.aborted;
  }

  succeeded(): void {
    this.consecutive = 0;
    this.answered = true;
  }

  /** A request failed: true = record it as a failed measurement; false = it says nothing about the configuration. */
  async failed(err: unknown): Promise<boolean> {
    if (this.ctx.abort.aborted) return false;
    if (this.ctx.launched && isConnectionLoss(err)) await abortedOrAfter(this.ctx.abort, CRASH_NOTICE_MS);
    if (this.stopped()) return false;
    this.consecutive++;
    if (!this.answered && isRefusal(err)) {
      this.verdict = `${this.ctx.label} refused this configuration: ${err.message}`;
      this.refused = true;
    }
    return true;
  }

  /** After a recorded failure: an attached server that keeps failing is asked whether it is still there. */
  async checkServer(): Promise<void> {
    if (this.ctx.launched || this.probing || this.verdict || this.consecutive < PROBE_AFTER_FAILURES) return;
    this.probing = true;
    const alive = await probeEndpoint({ name: 'target', url: this.ctx.baseUrl });
    this.probing = false;
    // A launched server's end comes from its launcher; an attached one will not come back by itself.
    if (!alive.running) this.verdict = `the server at ${this.ctx.baseUrl} stopped answering (${alive.reason ?? 'not running'})`;
  }
}
