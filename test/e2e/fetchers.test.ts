/**
 * The client's fetchers in process (the attack suite drives them through the built CLI):
 * a local directory and HTTP, each stopping at the length limit, HTTP answers and
 * connection failures typed, and slow retrieval bounded by the deadline. Real loopback
 * HTTP servers; real files.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dirFetcher, dirUrl, fileOfUrl, httpFetcher } from '../../lib/client/fetchers.js';
import { NetworkError, NotVerifiedError } from '../../lib/errors.js';
import { freePort } from '../helpers/registry.js';

const read = (f: string): Promise<string> => Promise.resolve(readFileSync(f, 'utf8'));

describe('dirFetcher', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tufci-fetchers-'));
  beforeAll(() => writeFileSync(join(dir, '1.root.json'), '{"root":1}'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file within the limit, names a missing one, stops past the limit', async () => {
    const f = dirFetcher();
    const base = dirUrl(dir);
    expect(base.startsWith('file://')).toBe(true);
    expect(await f.downloadFile(`${base}1.root.json`, 100, read)).toBe('{"root":1}');
    await expect(f.downloadFile(`${base}2.root.json`, 100, read)).rejects.toMatchObject({
      message: '2.root.json: not found',
      statusCode: 404,
    });
    await expect(f.downloadFile(`${base}1.root.json`, 4, read)).rejects.toThrow(
      'more than the 4 bytes allowed',
    );
  });

  it('names files by their decoded last segment', () => {
    expect(fileOfUrl('http://h/a/with%09tab.txt')).toBe('with\ttab.txt');
    expect(fileOfUrl('http://h/a/bad%zz/')).toBe('bad%zz');
  });
});

describe('httpFetcher', () => {
  let server: Server;
  let base = '';
  const endless: { closed: boolean } = { closed: false };

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/ok.json') res.end('{"ok":true}');
      else if (req.url === '/endless') {
        res.writeHead(200);
        const chunk = Buffer.alloc(64 * 1024, 'x');
        const pump = (): void => {
          while (res.write(chunk));
          res.once('drain', pump);
        };
        res.on('close', () => (endless.closed = true));
        pump();
      } else if (req.url === '/silent') {
        // never answers
      } else if (req.url === '/trickle') {
        res.writeHead(200);
        const t = setInterval(() => res.write('x'), 100);
        res.on('close', () => clearInterval(t));
      } else {
        res.statusCode = 404;
        res.end('no');
      }
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
  });

  it('reads a file, and an error answer is an HTTP error with its status', async () => {
    const f = httpFetcher({ userAgent: 'tufci-test' });
    expect(await f.downloadFile(`${base}ok.json`, 100, read)).toBe('{"ok":true}');
    await expect(f.downloadFile(`${base}missing.json`, 100, read)).rejects.toMatchObject({
      message: 'missing.json: HTTP 404',
      statusCode: 404,
    });
  });

  it('an endless body is cut at the limit and the connection closed', async () => {
    await expect(httpFetcher().downloadFile(`${base}endless`, 200_000, read)).rejects.toThrow(
      'more than the 200000 bytes allowed (reading stopped there)',
    );
    await new Promise((ok) => setTimeout(ok, 200));
    expect(endless.closed).toBe(true);
  });

  it('slow retrieval: no answer, or a body that does not finish, within the deadline', async () => {
    const f = httpFetcher({ timeoutMs: 400 });
    const silent = f.downloadFile(`${base}silent`, 100, read);
    await expect(silent).rejects.toBeInstanceOf(NotVerifiedError);
    await expect(silent).rejects.toThrow('silent: slow retrieval: no answer within 0.4 s');
    await expect(f.downloadFile(`${base}trickle`, 100_000, read)).rejects.toThrow(
      'trickle: slow retrieval: the body was not complete within 0.4 s (--timeout); refused',
    );
  });

  it('nothing listening is a network error naming the URL and the code', async () => {
    const url = `http://127.0.0.1:${await freePort()}/timestamp.json`;
    const p = httpFetcher().downloadFile(url, 100, read);
    await expect(p).rejects.toBeInstanceOf(NetworkError);
    await expect(p).rejects.toThrow(`${url}: cannot connect (ECONNREFUSED)`);
  });
});
