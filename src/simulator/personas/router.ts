/**
 * The HTTP dispatch every persona shares: a route table (method + path → a
 * small named handler) and the persona's dialect for the rest — what a path
 * that is not a route gets (404, or LM Studio's 200), a known path asked with
 * another method (405 or the same 404), a request the server cannot take yet
 * (503 while the model loads), and errors a handler throws (400 for a bad body,
 * 413 for an oversized one, 404 for an unknown model, 500), each in that
 * engine's own error shape. Every answer carries the simulated marker.
 */
import type http from 'node:http';
import { readBodyText } from '../../node/read-body';
import { nowMs } from '../clock';

const SIMULATED_HEADER = 'x-spectune-simulated';

export type Method = 'GET' | 'HEAD' | 'POST';

/** One request as a handler sees it. */
export interface Exchange {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  /** The path without the query string. */
  path: string;
  /** Arrival, on the simulator's clock. */
  receivedMs: number;
}

export type Handler = (x: Exchange) => void | Promise<void>;

export interface Route {
  method: Method | readonly Method[];
  /** Exact paths; one ending in `*` matches every path with that prefix. */
  path: string | readonly string[];
  handler: Handler;
  /** This route's own error shape (e.g. Ollama's OpenAI-compatible layer); default: the dialect's. */
  fail?: (x: Exchange, problem: HttpProblem) => void;
}

/** An answer other than success, thrown by a handler and written in the persona's error shape. */
export class HttpProblem extends Error {
  readonly param: string | null;
  /** A machine-readable code where the engine sends one (LM Studio's "model_not_found"). */
  readonly code: string | null;
  constructor(
    readonly status: number,
    message: string,
    o: { param?: string | null; code?: string | null } = {},
  ) {
    super(message);
    this.param = o.param ?? null;
    this.code = o.code ?? null;
  }
}

export interface Dialect {
  /** Answers in place of the routes while it returns true (e.g. 503 while the model loads). */
  refuse?(x: Exchange): boolean;
  notFound(x: Exchange): void;
  /** A route's path asked with another method; default: notFound. */
  wrongMethod?(x: Exchange): void;
  /** A handler's error: an HttpProblem as thrown, anything else as a 500. */
  fail(x: Exchange, problem: HttpProblem): void;
  /** Once per request, when its answer is finished or its connection closed: the access log. */
  answered?(x: Exchange): void;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * The body as a JSON object. 413 past 16 MiB (nothing legitimate sends a simulator
 * that much), 400 for bad JSON (`invalidJson` words it the engine's way) or a non-object.
 */
export async function readJsonBody(req: http.IncomingMessage, invalidJson = (detail: string) => `invalid JSON body: ${detail}`): Promise<Record<string, unknown>> {
  const text = await readBodyText(req, MAX_BODY_BYTES, (max) => new HttpProblem(413, `request body larger than ${max} bytes`));
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new HttpProblem(400, invalidJson((err as Error).message));
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HttpProblem(400, 'the request body must be a JSON object');
  return v as Record<string, unknown>;
}

const asList = <T>(v: T | readonly T[]): readonly T[] => (Array.isArray(v) ? (v as readonly T[]) : [v as T]);

function matches(route: Route, path: string): boolean {
  return asList(route.path).some((p) => (p.endsWith('*') ? path.startsWith(p.slice(0, -1)) : p === path));
}

function toProblem(err: unknown): HttpProblem {
  return err instanceof HttpProblem ? err : new HttpProblem(500, String((err as Error)?.message ?? err));
}

/** The request listener for a persona's routes: the first route whose path matches and whose method fits answers. */
export function createRouter(routes: readonly Route[], dialect: Dialect): http.RequestListener {
  return (req, res) => {
    const x: Exchange = { req, res, path: (req.url ?? '/').split('?')[0], receivedMs: nowMs() };
    res.setHeader(SIMULATED_HEADER, '1');
    if (dialect.answered) {
      let told = false;
      const tell = () => {
        if (!told) dialect.answered?.(x);
        told = true;
      };
      res.once('finish', tell);
      res.once('close', tell);
    }
    if (dialect.refuse?.(x)) return;
    const onPath = routes.filter((r) => matches(r, x.path));
    const route = onPath.find((r) => asList(r.method).includes(req.method as Method));
    if (!route) {
      if (onPath.length > 0 && dialect.wrongMethod) dialect.wrongMethod(x);
      else dialect.notFound(x);
      return;
    }
    const fail = (err: unknown) => {
      if (res.headersSent) res.destroy(err instanceof Error ? err : undefined);
      else (route.fail ?? dialect.fail)(x, toProblem(err));
    };
    try {
      void Promise.resolve(route.handler(x)).catch(fail);
    } catch (err) {
      fail(err);
    }
  };
}
