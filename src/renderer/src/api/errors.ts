/**
 * Errors as the UI shows them. Both transports (Electron IPC, HTTP bridge) may
 * reject with an ErrorInfo-like object or a plain Error; this normalises them so
 * every screen can show message, hint and log tail the same way.
 */
export interface UiError {
  code: string;
  message: string;
  hint?: string;
  logTail?: string[];
}

export class ApiError extends Error implements UiError {
  readonly code: string;
  readonly hint?: string;
  readonly logTail?: string[];
  readonly status?: number;

  constructor(info: UiError, status?: number) {
    super(info.message);
    this.name = 'ApiError';
    this.code = info.code;
    this.hint = info.hint;
    this.logTail = info.logTail;
    this.status = status;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

export function toUiError(err: unknown): UiError {
  if (isRecord(err) && typeof err.message === 'string') {
    const code = typeof err.code === 'string' ? err.code : 'UNKNOWN';
    const hint = typeof err.hint === 'string' ? err.hint : undefined;
    const logTail = Array.isArray(err.logTail) ? err.logTail.filter((l): l is string => typeof l === 'string') : undefined;
    // Electron's ipcRenderer.invoke flattens thrown errors to "Error invoking remote method 'x': CODE: message".
    const m = /^Error invoking remote method '[^']+': (?:\w*Error: )?(.*)$/s.exec(err.message);
    return { code, message: m ? m[1] : err.message, hint, logTail };
  }
  return { code: 'UNKNOWN', message: String(err) };
}
