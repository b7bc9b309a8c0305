import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative, resolve, sep } from 'node:path';

/** A loopback HTTP server for a published directory, as GitHub Pages would serve it. */
export interface StaticServer {
  /** Base URL with a trailing slash, e.g. `http://127.0.0.1:41234/`. */
  url: string;
  /** Decoded request paths (relative to the directory), in order, with the status served. */
  requests: { path: string; status: number }[];
  close(): Promise<void>;
}

/**
 * Serves `dir` read-only on 127.0.0.1 (a free port): GET and HEAD, percent-decoded
 * paths (so target names with non-ASCII or control characters work), 404 for
 * anything missing, and nothing outside `dir`.
 */
export async function serveDir(dir: string): Promise<StaticServer> {
  const base = resolve(dir);
  const requests: StaticServer['requests'] = [];
  const server = createServer((req, res) => {
    const answer = (status: number, path: string, text?: string): void => {
      requests.push({ path, status });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(text ?? '');
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(405, req.url ?? '');
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname).slice(1);
    } catch {
      return answer(400, req.url ?? '', 'bad path encoding');
    }
    const file = resolve(join(base, path));
    const rel = relative(base, file);
    if (path.includes('\0') || rel.startsWith('..') || rel.includes(`..${sep}`))
      return answer(400, path, 'outside the served directory');
    if (!existsSync(file) || !statSync(file).isFile()) return answer(404, path, 'not found');
    requests.push({ path, status: 200 });
    res.writeHead(200, {
      'content-length': statSync(file).size,
      'content-type': file.endsWith('.json')
        ? 'application/json'
        : file.endsWith('.html')
          ? 'text/html; charset=utf-8'
          : 'application/octet-stream',
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((ok, fail) => {
        server.closeAllConnections();
        server.close((e) => (e ? fail(e) : ok()));
      }),
  };
}
