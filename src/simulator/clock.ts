/** The simulator's clock: wall-clock ms on the high-resolution timer (what sim_timing and the personas' timings report). */
import { performance } from 'node:perf_hooks';

export const nowMs = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
