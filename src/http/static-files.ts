/** The built renderer's files: GET/HEAD only, inside the UI folder, the app shell for client-side routes. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { ErrorInfo } from '../shared/errors';
import { SECURITY_HEADERS, sendError } from './respond';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** The file a URL path names under `root`, or why it is refused. */
function fileFor(root: string, url: URL): string | { status: number; info: ErrorInfo } {
  let rel: string;
  try {
    rel = decodeURIComponent(url.pathname);
  } catch {
    return { status: 400, info: { code: 'INVALID_INPUT', message: 'bad URL encoding' } };
  }
  if (rel.includes('\0')) return { status: 400, info: { code: 'INVALID_INPUT', message: 'bad path' } };
  const file = resolve(root, `.${normalize(rel.endsWith('/') ? `${rel}index.html` : rel)}`);
  if (file !== root && !file.startsWith(root + sep)) return { status: 403, info: { code: 'FORBIDDEN', message: 'outside the UI folder' } };
  // Client-side routes without a file extension get the app shell.
  return !existsSync(file) && !extname(file) ? join(root, 'index.html') : file;
}

function notFound(res: ServerResponse, root: string, url: URL): void {
  const missingApp = !existsSync(join(root, 'index.html'));
  sendError(res, 404, {
    code: 'NOT_FOUND',
    message: missingApp ? `the UI is not built (${join(root, 'index.html')} is missing)` : `no file ${url.pathname}`,
    hint: missingApp ? 'run `npm run build`, then start `spectune ui` again' : undefined,
  });
}

/** Serves files from `staticDir` (the built renderer, out/renderer). */
export function staticFiles(staticDir: string): (req: IncomingMessage, res: ServerResponse, url: URL) => void {
  const root = resolve(staticDir);
  return (req, res, url) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendError(res, 405, { code: 'INVALID_INPUT', message: 'static files are GET only' });
    }
    const file = fileFor(root, url);
    if (typeof file !== 'string') return sendError(res, file.status, file.info);
    if (!existsSync(file) && url.pathname === '/favicon.ico') {
      // Browsers ask for it unprompted; "no icon" is not an error worth a console line.
      res.writeHead(204, SECURITY_HEADERS);
      return void res.end();
    }
    if (!existsSync(file) || !statSync(file).isFile()) return notFound(res, root, url);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': statSync(file).size,
      'Cache-Control': file.endsWith('.html') ? 'no-cache' : 'public, max-age=3600',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  };
}
