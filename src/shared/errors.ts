/**
 * Errors that reach a user. Each carries a stable code (for tests and the UI),
 * a message that says what went wrong, and a hint that says what to do.
 */
export type ErrorCode =
  | 'INVALID_INPUT'
  | 'COMMAND_NOT_FOUND'
  | 'PORT_IN_USE'
  | 'UNSUPPORTED_DRAFT_MODEL'
  | 'EXITED_BEFORE_READY'
  /** The server exited on its own after it was ready. */
  | 'SERVER_CRASHED'
  | 'STARTUP_TIMEOUT'
  | 'ALREADY_RUNNING'
  | 'NOT_RUNNING'
  /** Refused while a sweep runs: it owns the server (HTTP 409). */
  | 'BUSY'
  | 'VERSION_UNKNOWN'
  | 'CONNECT_FAILED'
  | 'CONNECT_TIMEOUT'
  | 'STREAM_STALLED'
  /** The server sent more than the request allows: events, bytes, a line, time or a token count (see stream-guard.ts). */
  | 'STREAM_LIMIT'
  | 'HTTP_ERROR'
  | 'BAD_STREAM'
  | 'CANCELLED'
  | 'NOTHING_MEASURED'
  | 'IO_ERROR'
  // Browser mode / IPC refusals and lookups (HTTP 401/403/404).
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  // Browser mode request limits (HTTP 413, 503).
  | 'TOO_LARGE'
  | 'OVERLOADED';

export class SpecTuneError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  /** Last lines a server printed, when a launch failed. */
  readonly logTail?: string[];

  constructor(code: ErrorCode, message: string, opts: { hint?: string; logTail?: string[]; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SpecTuneError';
    this.code = code;
    this.hint = opts.hint;
    this.logTail = opts.logTail;
  }
}

/** Plain, serialisable form of an error, for IPC, events and reports. */
export interface ErrorInfo {
  code: ErrorCode | 'UNKNOWN';
  message: string;
  hint?: string;
  logTail?: string[];
}

export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof SpecTuneError) {
    return { code: err.code, message: err.message, hint: err.hint, logTail: err.logTail };
  }
  if (err instanceof Error) return { code: 'UNKNOWN', message: err.message };
  return { code: 'UNKNOWN', message: String(err) };
}

/** One line for a terminal: message, then the hint. */
export function describeError(err: unknown): string {
  const info = toErrorInfo(err);
  return info.hint ? `${info.message} — ${info.hint}` : info.message;
}
