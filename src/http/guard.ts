/**
 * Who may talk to browser mode: it listens on loopback only, every /api/ request
 * carries the start-up token, and a foreign Host (DNS rebinding) or Origin
 * (another site's page) is refused. Body size, nesting and in-flight caps: request-limits.ts.
 */
import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { SpecTuneError, type ErrorInfo } from '../shared/errors';

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** The host to listen on, refused unless it is loopback. */
export function loopbackHost(host = '127.0.0.1'): string {
  if (!isLoopbackHost(host)) {
    throw new SpecTuneError('INVALID_INPUT', `host: ${host} is not a loopback address; browser mode only listens on this machine`, {
      hint: 'use 127.0.0.1 and reach a remote box through an SSH tunnel: ssh -L 8765:127.0.0.1:8765 gpu-box',
    });
  }
  return host;
}

/** Compares a given token with the start-up token in constant time. */
export function tokenCheck(token: string): (given: string | null | undefined) => boolean {
  const tokenBuf = Buffer.from(token);
  return (given) => {
    if (!given) return false;
    const buf = Buffer.from(given);
    return buf.length === tokenBuf.length && timingSafeEqual(buf, tokenBuf);
  };
}

/** Why a request's Host or Origin is not this server on `port`, or null when both are. */
export function foreignRequest(req: IncomingMessage, port: number): ErrorInfo | null {
  const host = req.headers.host;
  const origin = req.headers.origin;
  if (!host || ![`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(host.toLowerCase())) {
    return { code: 'FORBIDDEN', message: `Host "${host ?? ''}" is not this server`, hint: `open http://127.0.0.1:${port}/` };
  }
  if (origin !== undefined && ![`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`].includes(origin.toLowerCase())) {
    return { code: 'FORBIDDEN', message: `requests from ${origin} are not allowed` };
  }
  return null;
}
