/**
 * The registry transport's own HTTP (node:http with keep-alive, lib/oci/transport/node-fetch.ts):
 * connections are reused across requests, whether the handler read the body, left it
 * unread or cancelled it; a large unread body is dropped with its connection rather than
 * downloaded; headers are read case-insensitively; a connection cut mid-body is a network
 * error the transport retries. A local node:http server counts connections.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBody, readText } from '../../lib/oci/transport/body.js';
import { HttpTransport, discard } from '../../lib/oci/transport/http.js';
import { nodeFetch } from '../../lib/oci/transport/node-fetch.js';

let server: Server;
let origin: string;
let connections = 0;
let cutNext = 0;
const BIG = 64 << 20;
let bigClosed: Promise<void> | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const got = Buffer.concat(chunks);
      if (req.url === '/big') {
        res.writeHead(200, { 'content-length': BIG, 'X-Mixed-Case': 'yes' });
        const socket = res.socket!;
        bigClosed = new Promise((r) => socket.once('close', () => r()));
        res.end(Buffer.alloc(BIG));
        return;
      }
      if (req.url === '/cut' && cutNext > 0) {
        cutNext--;
        res.writeHead(200, { 'content-length': 1000 });
        res.write(Buffer.alloc(10));
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      const body = JSON.stringify({
        method: req.method,
        length: got.length,
        contentLength: req.headers['content-length'] ?? null,
      });
      res.writeHead(req.url === '/created' ? 201 : 200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

const transport = () =>
  new HttpTransport(origin, { retry: { maxAttempts: 3, backoffMs: 1 }, sleep: async () => {} });
const context = { operation: 'test', registry: '127.0.0.1' };

describe('node:http exchange under the registry transport', () => {
  it('reuses one connection for sequential requests, read, unread or cancelled', async () => {
    const t = transport();
    const before = connections;
    for (let i = 0; i < 10; i++) {
      const url = `${origin}/created`;
      await t.request({ method: 'POST', url, context }, async (res) => {
        expect(res.status).toBe(201);
        if (i % 3 === 0) await discard(res);
        else if (i % 3 === 1) await readText(res);
        // else: left unread; the transport frees the connection itself
      });
      await t.request({ method: 'HEAD', url: `${origin}/x`, context }, async (res) => {
        expect(res.headers.get('Content-Length')).not.toBeNull();
      });
    }
    expect(connections - before).toBe(1);
  });

  it('sends Content-Length for bodies and bodiless POSTs, none for GET', async () => {
    const t = transport();
    const ask = (method: string, body?: Uint8Array) =>
      t.request({ method, url: `${origin}/echo`, context, ...(body ? { body } : {}) }, (res) =>
        readText(res).then((s) => JSON.parse(s) as { length: number; contentLength: string }),
      );
    expect(await ask('PUT', new Uint8Array(5000))).toMatchObject({
      length: 5000,
      contentLength: '5000',
    });
    expect(await ask('POST')).toMatchObject({ length: 0, contentLength: '0' });
    expect(await ask('GET')).toMatchObject({ contentLength: null });
  });

  it('drops a large unread body with its connection instead of downloading it', async () => {
    const res = await nodeFetch(new URL(`${origin}/big`), {
      method: 'GET',
      headers: {},
      redirect: 'manual',
    });
    expect(res.headers.get('x-mixed-case')).toBe('yes');
    await discard(res);
    // drained, the connection would stay open for the next request; dropped, it closes
    await expect(bigClosed).resolves.toBeUndefined();
  });

  it('a connection cut in the middle of a body is a network failure, retried', async () => {
    cutNext = 1;
    const t = transport();
    const bytes = await t.request({ method: 'GET', url: `${origin}/cut`, context }, (res) =>
      readBody(res, { maxSize: 1 << 20 }, context),
    );
    // the second attempt gets the normal answer
    expect(JSON.parse(Buffer.from(bytes).toString())).toMatchObject({ method: 'GET' });
    expect(cutNext).toBe(0);
  });
});
