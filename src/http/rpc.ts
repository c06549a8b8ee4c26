/**
 * The request channels over HTTP: POST /api/<channel> with the arguments as JSON,
 * answered { ok: true, result } or { ok: false, error } with a status for the
 * error's code. GET /api/events opens the event stream.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SpecTuneError, toErrorInfo, type ErrorInfo } from '../shared/errors';
import { requests, type RequestChannel } from '../shared/ipc-contract';
import { jsonDepthExceeds, MAX_IN_FLIGHT, overloaded, readLimitedBody, tooDeep } from './request-limits';
import { refuse, sendError, sendJson } from './respond';

/** HTTP status for an error code the handlers throw. */
export function httpStatusFor(info: ErrorInfo): number {
  switch (info.code) {
    case 'INVALID_INPUT':
      return 400;
    case 'UNAUTHORIZED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'TOO_LARGE':
      return 413;
    case 'OVERLOADED':
      return 503;
    // A cancelled start was ended by another request (Stop): a conflict, not a server fault.
    case 'CANCELLED':
    case 'ALREADY_RUNNING':
    case 'BUSY':
    case 'NOT_RUNNING':
    case 'PORT_IN_USE':
      return 409;
    case 'COMMAND_NOT_FOUND':
    case 'UNSUPPORTED_DRAFT_MODEL':
      return 422;
    default:
      return 500;
  }
}

export interface ApiOptions {
  /** The request handler, normally AppServices.handle. */
  handle: (channel: RequestChannel, args: unknown) => Promise<unknown>;
  tokenOk: (given: string | null | undefined) => boolean;
  openEventStream: (req: IncomingMessage, res: ServerResponse) => void;
}

/** Reads the body (capped), parses it and answers with what the handler returns or throws. */
async function callChannel(req: IncomingMessage, res: ServerResponse, name: RequestChannel, handle: ApiOptions['handle']): Promise<void> {
  const body = await readLimitedBody(req);
  if (!body.ok) return sendError(res, body.status, toErrorInfo(body.error));
  let args: unknown;
  try {
    // Depth first: JSON.parse (and zod after it) recurse per level, and memory grows with it.
    if (jsonDepthExceeds(body.text)) throw tooDeep();
    args = body.text.trim() ? JSON.parse(body.text) : {};
  } catch (err) {
    const info = err instanceof SpecTuneError ? toErrorInfo(err) : { code: 'INVALID_INPUT' as const, message: 'body: not valid JSON', hint: 'send the arguments as a JSON object, e.g. {}' };
    return sendError(res, httpStatusFor(info), info);
  }
  try {
    const result = await handle(name, args);
    sendJson(res, 200, { ok: true, result });
  } catch (err) {
    const info = toErrorInfo(err);
    sendError(res, httpStatusFor(info), info);
  }
}

/** Answers everything under /api/; at most MAX_IN_FLIGHT channel requests are read or handled at once. */
export function apiRoute({ handle, tokenOk, openEventStream }: ApiOptions): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> {
  /** API requests being read or handled now (the event stream excluded). */
  let inFlight = 0;
  return async (req, res, url) => {
    let name: string;
    try {
      name = decodeURIComponent(url.pathname.slice('/api/'.length));
    } catch {
      return refuse(req, res, 400, { code: 'INVALID_INPUT', message: 'bad URL encoding' });
    }
    // EventSource cannot send headers, so the event stream alone takes the token in its URL.
    const given = (req.headers['x-spectune-token'] as string | undefined) ?? (name === 'events' ? url.searchParams.get('token') : null);
    if (!tokenOk(given)) {
      return refuse(req, res, 401, {
        code: 'UNAUTHORIZED',
        message: given ? 'wrong access token' : 'missing access token',
        hint: 'open the full URL `spectune ui` printed (it ends in ?token=…)',
      });
    }
    if (name === 'events') {
      if (req.method !== 'GET') return refuse(req, res, 405, { code: 'INVALID_INPUT', message: 'use GET for /api/events' });
      return openEventStream(req, res);
    }
    if (!Object.hasOwn(requests, name)) {
      return refuse(req, res, 404, { code: 'NOT_FOUND', message: `no request channel "${name}"`, hint: 'see src/shared/ipc-contract.ts for the channels' });
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return refuse(req, res, 405, { code: 'INVALID_INPUT', message: `use POST for /api/${name}` });
    }
    if (inFlight >= MAX_IN_FLIGHT) return refuse(req, res, 503, toErrorInfo(overloaded()), { 'Retry-After': '1' });
    inFlight++;
    try {
      await callChannel(req, res, name as RequestChannel, handle);
    } finally {
      inFlight--;
    }
  };
}
