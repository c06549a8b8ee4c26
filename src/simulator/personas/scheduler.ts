/**
 * One loaded model configuration at a time, as mlx_lm's ModelProvider and
 * Ollama's runner scheduler keep it: a request whose configuration (model,
 * draft, runner options…) differs from the loaded one waits until nothing runs,
 * then pays a real reload (--sim-reload-ms) before it starts. Requests start in
 * arrival order; `capacity` says how many may run together under a configuration
 * (1 for mlx_lm with a draft model, OLLAMA_NUM_PARALLEL for Ollama).
 */
import { nowMs, sleep } from '../clock';

interface Waiting<C> {
  key: string;
  config: C;
  loadMs: number;
  start(): void;
}

export interface Admission {
  release(): void;
  /** Time this request spent loading its configuration (0 when it was loaded already). */
  loadMs: number;
}

export class ConfigScheduler<C> {
  private loadedKey: string | null;
  private loadedConfig: C | null;
  private active = 0;
  private loading = false;
  private ready = false;
  private readonly queue: Array<Waiting<C>> = [];

  constructor(
    initial: { key: string; config: C } | null,
    private readonly o: { reloadMs: number; capacity(config: C): number; onLoad?(config: C): void },
  ) {
    this.loadedKey = initial?.key ?? null;
    this.loadedConfig = initial?.config ?? null;
  }

  /** The configuration now loaded, if any. */
  get loaded(): C | null {
    return this.loadedConfig;
  }

  /** Opens the gate once the server's own start-up load is done. */
  setReady(): void {
    this.ready = true;
    this.pump();
  }

  acquire(key: string, config: C): Promise<Admission> {
    return new Promise((resolve) => {
      const entry: Waiting<C> = {
        key,
        config,
        loadMs: 0,
        start: () => {
          let released = false;
          resolve({
            loadMs: entry.loadMs,
            release: () => {
              if (released) return;
              released = true;
              this.active--;
              this.pump();
            },
          });
        },
      };
      this.queue.push(entry);
      this.pump();
    });
  }

  private pump(): void {
    while (this.ready && !this.loading && this.queue.length > 0) {
      const head = this.queue[0];
      if (head.key !== this.loadedKey) {
        if (this.active > 0) return;
        this.loading = true;
        this.o.onLoad?.(head.config);
        const started = nowMs();
        void sleep(this.o.reloadMs).then(() => {
          // Timers run on libuv's millisecond clock, which may read up to 1 ms short of the
          // high-resolution one: a reload is never reported shorter than it was asked to take.
          head.loadMs = Math.max(nowMs() - started, this.o.reloadMs);
          this.loadedKey = head.key;
          this.loadedConfig = head.config;
          this.loading = false;
          this.pump();
        });
        return;
      }
      if (this.active >= this.o.capacity(head.config)) return;
      this.queue.shift();
      this.active++;
      head.start();
    }
  }
}
