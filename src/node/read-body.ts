/**
 * A request body as text for the servers SpecTune runs itself (the simulator and
 * its personas, the embedded engine): refused once it passes `maxBytes`, and the
 * connection dropped, since nothing legitimate sends them that much. Browser mode
 * needs more (an answer on a socket with nothing left unread): http/request-limits.ts.
 */
import type { IncomingMessage } from 'node:http';

export function readBodyText(req: IncomingMessage, maxBytes: number, tooLarge: (maxBytes: number) => Error): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (b: Buffer) => {
      size += b.length;
      if (size > maxBytes) {
        reject(tooLarge(maxBytes));
        req.destroy();
        return;
      }
      parts.push(b);
    });
    req.on('error', reject);
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
  });
}
