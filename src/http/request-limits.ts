/**
 * Limits on browser-mode request bodies. An attack pass found that a 50 MB body
 * reset the connection instead of getting an answer, and that eight parallel,
 * deeply nested bodies took 745 MB (JSON.parse and zod recurse per level). So:
 * a size cap answered with 413, a nesting cap checked by a bracket scan before
 * JSON.parse, and a cap on requests in flight answered with 503.
 *
 * A refused body is still read to its end and thrown away before the answer is
 * sent: closing a socket with unread data makes the kernel send RST, and the
 * client then sees "connection reset" instead of the 413.
 */
import type { IncomingMessage } from 'node:http';
import { SpecTuneError } from '../shared/errors';

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_JSON_DEPTH = 64;
export const MAX_IN_FLIGHT = 16;
/** Past this much thrown-away body, stop reading and cut the connection: nobody sends that much by mistake. */
const MAX_DISCARD_BYTES = 256 * 1024 * 1024;

export type BodyResult = { ok: true; text: string } | { ok: false; error: SpecTuneError; status: number };

function tooLarge(): BodyResult {
  return {
    ok: false,
    status: 413,
    error: new SpecTuneError('TOO_LARGE', `body: larger than ${MAX_BODY_BYTES / 1024 / 1024} MB`, {
      hint: 'request arguments are small JSON objects; a report is fetched with history:get, never sent',
    }),
  };
}

/**
 * Reads a request body up to MAX_BODY_BYTES. Over it (by Content-Length or as it
 * arrives) the rest is read and discarded, then a 413 result comes back, so the
 * caller can answer on a socket with nothing left unread.
 */
export function readLimitedBody(req: IncomingMessage): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    let over = Number.isFinite(declared) && declared > MAX_BODY_BYTES;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) over = true;
      if (over) {
        chunks.length = 0; // keep nothing of a refused body
        if (size > MAX_DISCARD_BYTES) {
          req.destroy();
          reject(new Error('request body far over the limit; connection closed'));
        }
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(over ? tooLarge() : { ok: true, text: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', reject);
  });
}

/** Reads and throws away whatever body a refused request carries, so the answer is not lost to a reset. */
export function discardBody(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.complete || req.readableEnded) return resolve();
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_DISCARD_BYTES) {
        req.destroy();
        resolve();
      }
    });
    req.on('end', () => resolve());
    req.on('error', () => resolve());
    req.on('close', () => resolve());
  });
}

/**
 * The deepest nesting of objects and arrays in a JSON text, counting brackets
 * outside strings; stops as soon as `limit` is passed. Linear, no allocation:
 * cheap enough to run before JSON.parse on every body.
 */
export function jsonDepthExceeds(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}

export function tooDeep(): SpecTuneError {
  return new SpecTuneError('INVALID_INPUT', `body: JSON nested deeper than ${MAX_JSON_DEPTH} levels`, {
    hint: 'request arguments are flat JSON objects; send the fields the channel expects',
  });
}

export function overloaded(): SpecTuneError {
  return new SpecTuneError('OVERLOADED', `more than ${MAX_IN_FLIGHT} requests at once`, {
    hint: 'try again in a moment (see Retry-After); the UI never sends this many',
  });
}
