/**
 * The injected faults every persona takes (--sim-http-500-every / -rate, --sim-crash-after):
 * which generation request answers HTTP 500, and when the server dies.
 */
import { mixSeed, prng } from '../model';
import type { SharedKnobs } from './knobs';

export class InjectedFaults {
  private generations = 0;
  private completed = 0;
  private readonly rand: () => number;

  constructor(
    private readonly knobs: Pick<SharedKnobs, 'http500Every' | 'http500Rate' | 'crashAfter'>,
    seed: number,
  ) {
    this.rand = prng(mixSeed(seed, 0x500));
  }

  /** Counts a generation request that passed validation; true when an injected HTTP 500 answers it. */
  failsNext(): boolean {
    this.generations++;
    const { http500Every: every, http500Rate: rate } = this.knobs;
    return (every !== null && this.generations % every === 0) || (rate !== null && this.rand() < rate);
  }

  /** Counts a generation whose answer is written; true when the server must now crash. */
  crashesNow(): boolean {
    this.completed++;
    return this.knobs.crashAfter !== null && this.completed >= this.knobs.crashAfter;
  }
}
