/**
 * Is a TCP port free for a server to bind? Checked before launching so the user
 * hears "port 8000 on 127.0.0.1 is in use" instead of a Python traceback minutes
 * into a model load.
 */
import { createConnection, createServer } from 'node:net';
import { SpecTuneError } from '../shared/errors';

/** The address a client uses to reach a server bound to `host` (wildcards mean this machine). */
function connectHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '::1';
  return host.replace(/^\[(.*)\]$/, '$1');
}

/** http://host:port with IPv6 literals bracketed. */
export function baseUrl(host: string, port: number): string {
  const h = connectHost(host);
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
}

/** A port the kernel says is free on host right now (for the demo, which must not take :8000). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host.replace(/^\[(.*)\]$/, '$1'), () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function tryListen(host: string, port: number): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', (e: NodeJS.ErrnoException) => resolve(e));
    // exclusive: do not share a handle with cluster workers; we want the kernel's answer.
    srv.listen({ host: host.replace(/^\[(.*)\]$/, '$1'), port, exclusive: true }, () => srv.close(() => resolve(null)));
  });
}

function tryConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: connectHost(host), port });
    const done = (open: boolean) => {
      sock.destroy();
      resolve(open);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/**
 * Throws PORT_IN_USE when something already listens on host:port (bind test, then a
 * connect test for listeners a bind cannot see, e.g. another network namespace's proxy).
 */
export async function assertPortFree(host: string, port: number): Promise<void> {
  const err = await tryListen(host, port);
  const where = `${connectHost(host)}:${port}`;
  const hint = `stop whatever listens there (e.g. \`ss -ltnp 'sport = :${port}'\` shows it) or choose another port`;
  if (err) {
    if (err.code === 'EADDRINUSE') throw new SpecTuneError('PORT_IN_USE', `port ${port} on ${host} is in use`, { hint });
    if (err.code === 'EACCES') {
      throw new SpecTuneError('INVALID_INPUT', `port: ${port} needs administrator rights to bind on ${host}`, {
        hint: 'use a port above 1023, e.g. 8000',
      });
    }
    if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') {
      throw new SpecTuneError('INVALID_INPUT', `host: ${host} is not an address of this machine`, {
        hint: 'use 127.0.0.1 (this machine only) or 0.0.0.0 (all interfaces)',
      });
    }
    throw new SpecTuneError('IO_ERROR', `cannot check port ${where}: ${err.message}`, { cause: err });
  }
  if (await tryConnect(host, port, 500)) throw new SpecTuneError('PORT_IN_USE', `port ${port} on ${host} is in use`, { hint });
}
