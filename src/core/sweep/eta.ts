/**
 * Time left in a sweep: requests left × time per request, plus configurations still
 * to set up × what a restart, warm-up and metric reads cost so far. One pace for both
 * would charge a real model's minutes-long startup to every remaining request, and
 * count the skipped cells of a failed configuration as fast ones.
 */
export class EtaClock {
  /** Wall time spent inside measured requests; the rest of the elapsed time is per-configuration overhead. */
  private requestSeconds = 0;
  private measured = 0;
  /** Configurations whose set-up is behind them (or that failed trying). */
  private setUp = 0;

  constructor(private readonly configCount: number) {}

  request(seconds: number): void {
    this.requestSeconds += seconds;
    this.measured++;
  }

  configSetUp(): void {
    this.setUp++;
  }

  secondsLeft(elapsed: number, requestsLeft: number): number | null {
    if (this.measured === 0 || this.setUp === 0) return null;
    const perConfig = (elapsed - this.requestSeconds) / this.setUp;
    return Math.round((this.requestSeconds / this.measured) * requestsLeft + perConfig * (this.configCount - this.setUp));
  }
}
