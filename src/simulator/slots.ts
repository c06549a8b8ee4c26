/**
 * Admission to the decoding batch: vLLM's --max-num-seqs, llama-server's slots,
 * one-at-a-time mlx_lm with a draft, Ollama's NUM_PARALLEL. Requests beyond the
 * size wait in arrival order; only admitted ones count as running for the
 * batched step cost (model.ts batchStepMs).
 */
import type { ServerResponse } from 'node:http';

/** A counting semaphore in arrival order. */
export class Slots {
  private active = 0;
  private readonly waiters: Array<() => void> = [];
  constructor(public size: number) {}

  get busy(): number {
    return this.active;
  }
  get queued(): number {
    return this.waiters.length;
  }

  /**
   * Resolves with the release function once admitted. A waiter whose `signal`
   * aborts leaves the queue and resolves with null (its client went away).
   */
  async acquire(signal?: AbortSignal): Promise<(() => void) | null> {
    if (signal?.aborted) return null;
    if (this.active >= this.size) {
      const admitted = await new Promise<boolean>((resolve) => {
        const waiter = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(true);
        };
        const onAbort = () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          resolve(false);
        };
        this.waiters.push(waiter);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      if (!admitted) return null;
    } else {
      this.active++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Hand the place straight to the next waiter, so `active` never dips below the demand.
      const next = this.waiters.shift();
      if (next) next();
      else this.active--;
    };
  }
}

/**
 * Waits for a place in `slots` while the client stays connected: null when it
 * left first (it then holds no place). The caller releases what it gets.
 */
export async function admitWhileConnected(slots: Slots, res: ServerResponse): Promise<(() => void) | null> {
  const gone = new AbortController();
  const leave = () => gone.abort();
  res.once('close', leave);
  const release = await slots.acquire(gone.signal);
  res.off('close', leave);
  if (release && res.destroyed) release();
  return release && !res.destroyed ? release : null;
}
