/**
 * Progress as the sweep reports it: requests done of the total the strategy
 * plans, the time left (./eta.ts), and which configuration is on. A
 * configuration that fails, or a level the engine refuses, counts its planned
 * requests as done: the bar measures the plan, not only what was sent.
 */
import type { SpecConfig } from '../../engines/engine';
import type { SweepProgress } from '../../shared/schemas';
import { EtaClock } from './eta';

export class SweepProgressClock {
  done = 0;
  total: number;
  private readonly eta: EtaClock;
  private readonly started = performance.now();
  /** Requests counted per configuration (measured or credited). */
  private readonly counted = new Map<number, number>();
  private readonly setUp = new Set<number>();
  /** The configuration the last step ran on (the final events name it). */
  lastConfig = 0;

  constructor(
    private readonly configs: readonly SpecConfig[],
    plannedConfigs: number,
    /** Measured requests per configuration over every level. */
    private readonly perConfig: number,
    private readonly emit: (p: SweepProgress) => void,
  ) {
    this.total = plannedConfigs * perConfig;
    this.eta = new EtaClock(plannedConfigs);
  }

  /** One measured request of a configuration, and the wall time it held. */
  request(config: number, seconds: number): void {
    this.eta.request(seconds);
    this.credit(config, 1);
  }

  credit(config: number, requests: number): void {
    this.done += requests;
    this.counted.set(config, (this.counted.get(config) ?? 0) + requests);
  }

  /** The configuration failed: whatever of its plan is left counts as done. */
  failed(config: number): void {
    this.credit(config, Math.max(0, this.perConfig - (this.counted.get(config) ?? 0)));
  }

  /** The configuration's launch, warm-up and first counter read are behind it (once per configuration). */
  configSetUp(config: number): void {
    if (this.setUp.has(config)) return;
    this.setUp.add(config);
    this.eta.configSetUp();
  }

  /** The sweep decided early (adaptive): what was done is the whole. */
  endHere(): void {
    this.total = this.done;
  }

  report(p: Partial<SweepProgress> & Pick<SweepProgress, 'phase'>, config = this.lastConfig): void {
    const elapsed = (performance.now() - this.started) / 1000;
    this.emit({
      done: this.done,
      total: this.total,
      etaSeconds: this.eta.secondsLeft(elapsed, this.total - this.done),
      elapsedSeconds: Math.round(elapsed * 10) / 10,
      numSpeculativeTokens: this.configs[config]?.numSpeculativeTokens ?? null,
      configIndex: config,
      configCount: this.configs.length,
      promptType: null,
      systemPrompt: null,
      repeat: null,
      ...p,
    });
  }
}
