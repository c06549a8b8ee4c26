/**
 * vLLM-style log lines: `INFO 11-28 18:37:56 [api_server.py:1885] message`,
 * engine lines prefixed `(EngineCore_0 pid=123)`. INFO/WARNING go to stdout
 * like vLLM's logger; ERROR to stderr. Pipes are synchronous on Linux, so a
 * line written just before process.exit is not lost.
 */
export type Level = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';

function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export interface Logger {
  info(source: string, message: string): void;
  warn(source: string, message: string): void;
  error(source: string, message: string): void;
  /** A raw line (uvicorn's own format). */
  raw(line: string, toStderr?: boolean): void;
}

let guarded = false;

/**
 * Python's logging survives a closed stdout (it reports and carries on); Node
 * would crash on the EPIPE. A server whose log reader went away keeps serving.
 */
function guardStreams(): void {
  if (guarded) return;
  guarded = true;
  for (const s of [process.stdout, process.stderr]) s.on('error', () => {});
}

export function createLogger(prefix = ''): Logger {
  guardStreams();
  const write = (level: Level, source: string, message: string) => {
    const line = `${prefix ? prefix + ' ' : ''}${level} ${stamp()} [${source}] ${message}\n`;
    (level === 'ERROR' ? process.stderr : process.stdout).write(line);
  };
  return {
    info: (s, m) => write('INFO', s, m),
    warn: (s, m) => write('WARNING', s, m),
    error: (s, m) => write('ERROR', s, m),
    raw: (line, toStderr = false) => (toStderr ? process.stderr : process.stdout).write(line + '\n'),
  };
}

export const SIMULATED_BANNER = 'SIMULATED — no model is loaded, numbers are synthetic (spectune vLLM simulator)';
