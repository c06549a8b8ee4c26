/** Every answer browser mode sends carries the security headers; errors go out as { ok: false, error }. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CONTENT_SECURITY_POLICY } from '../shared/csp';
import type { ErrorInfo } from '../shared/errors';
import { discardBody } from './request-limits';

export const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  // The page URL carries the token: never leak it in a Referer.
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, info: ErrorInfo, headers: Record<string, string> = {}): void {
  const error: ErrorInfo = { code: info.code, message: info.message };
  if (info.hint) error.hint = info.hint;
  if (info.logTail) error.logTail = info.logTail;
  sendJson(res, status, { ok: false, error }, headers);
}

/** Answers a request refused before its body was read: read (and drop) the body first, or the answer is lost to a reset. */
export async function refuse(req: IncomingMessage, res: ServerResponse, status: number, info: ErrorInfo, headers: Record<string, string> = {}): Promise<void> {
  await discardBody(req);
  if (!res.destroyed) sendError(res, status, info, headers);
}
