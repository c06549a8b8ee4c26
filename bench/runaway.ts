/**
 * A server that never stops streaming, against the real CLI: `spectune sweep --url …
 * --max-tokens 16 --stall-timeout 5 --no-warmup` (the default prompt matrix: 48
 * requests). Every request must end as a failed request naming the limit, the run
 * must end within a minute, and SpecTune's memory must stay bounded. The CLI's RSS is
 * sampled from /proc/<pid>/status (VmHWM, the kernel's own peak) while it runs: Linux
 * only; elsewhere the peak is not reported.
 */
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { freePort, startServer } from './processes';

export interface RunawayRow {
  seconds: number;
  exitCode: number | null;
  /** Peak resident memory of the CLI process, MB; null where /proc is not there. */
  peakRssMb: number | null;
  requests: number;
  /** Requests that failed naming a stream limit (all of them, when the limits hold). */
  limited: number;
  /** The first such failure, as the report words it. */
  example: string | null;
}

function peakRssMb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export async function runRunaway(opts: { root: string; timeoutMs?: number }): Promise<RunawayRow> {
  const port = await freePort();
  const server = await startServer([process.execPath, 'bin/run-ts.js', 'bench/runaway-server.ts', '--port', String(port)], { cwd: opts.root, port, readyPath: '/health' });
  const out = join(mkdtempSync(join(tmpdir(), 'spectune-runaway-')), 'r.json');
  try {
    const t0 = performance.now();
    const cli = execa(process.execPath, ['bin/spectune.js', 'sweep', '--url', server.url, '--engine', 'vllm', '--max-tokens', '16', '--stall-timeout', '5', '--no-warmup', '--out', out, '--json'], {
      cwd: opts.root,
      reject: false,
      env: { NO_COLOR: '1', SPECTUNE_STATE_DIR: join(out, '..', 'state') },
      timeout: opts.timeoutMs ?? 300_000,
    });
    let peak: number | null = null;
    const sampler = setInterval(() => {
      const now = cli.pid ? peakRssMb(cli.pid) : null;
      if (now !== null) peak = Math.max(peak ?? 0, now);
    }, 100);
    const r = await cli;
    clearInterval(sampler);
    const seconds = (performance.now() - t0) / 1000;
    const report = JSON.parse(readFileSync(out, 'utf8')) as { measurements: { ok: boolean; error?: string }[] };
    const limited = report.measurements.filter((m) => !m.ok && /the request was ended/.test(m.error ?? ''));
    return { seconds, exitCode: r.exitCode ?? null, peakRssMb: peak, requests: report.measurements.length, limited: limited.length, example: limited[0]?.error ?? null };
  } finally {
    await server.stop();
  }
}
