/** Writing answers, the same for every persona (the simulated marker is set by the router). */
import type http from 'node:http';

/** A JSON answer with its length; `then` runs once the body is written (a completed request). */
export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, then?: () => void): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text, then);
}

/** One server-sent event carrying a JSON object. */
export function sseEvent(res: http.ServerResponse, obj: unknown): void {
  res.write(`data: ${JSON.stringify(obj)}\n\n`);
}

/** The OpenAI stream terminator. */
export const SSE_DONE = 'data: [DONE]\n\n';
