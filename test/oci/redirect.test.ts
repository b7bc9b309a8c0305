import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, digestOf } from '../../lib/oci/index.js';
import { randomData, recorder } from './support.js';

// A registry stub (127.0.0.1) that wants basic auth and redirects blob GETs to a
// "storage" server on another origin (127.0.0.2), as registries on S3/GCS do.
const blob = randomData(4096);
const digest = digestOf(blob);
const seen: { server: 'registry' | 'storage'; url: string; headers: IncomingHttpHeaders }[] = [];
let registry: Server;
let storage: Server;
let registryHost: string;

async function listen(server: Server, address: string): Promise<number> {
  await new Promise<void>((r) => server.listen(0, address, r));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  storage = createServer((req, res) => {
    seen.push({ server: 'storage', url: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'content-length': String(blob.length) }).end(blob);
  });
  const storagePort = await listen(storage, '127.0.0.2');
  registry = createServer((req, res) => {
    seen.push({ server: 'registry', url: req.url ?? '', headers: req.headers });
    if (!req.headers.authorization) {
      return void res.writeHead(401, { 'www-authenticate': 'Basic realm="stub"' }).end();
    }
    if (req.url === `/v2/r/blobs/${digest}`) {
      const target = `http://127.0.0.2:${storagePort}/bucket/${digest.slice(7)}?X-Amz-Signature=s3cr3t&X-Amz-Expires=60`;
      return void res.writeHead(307, { location: target }).end();
    }
    if (req.url === `/v2/same/blobs/${digest}`) {
      return void res.writeHead(302, { location: `/v2/r/blobs/${digest}` }).end();
    }
    if (req.url === '/v2/loop/blobs/' + digest) {
      return void res.writeHead(302, { location: req.url }).end();
    }
    res.writeHead(404).end();
  });
  registryHost = `127.0.0.1:${await listen(registry, '127.0.0.1')}`;
});
afterAll(async () => {
  for (const s of [registry, storage]) {
    s?.closeAllConnections();
    await new Promise((r) => s?.close(r));
  }
});

const credentials = { username: 'u', password: 'redirect-secret' };

describe('redirects', () => {
  it('follows a blob redirect to another host without sending it the credentials', async () => {
    seen.length = 0;
    const rec = recorder();
    const repo = new RegistryClient(registryHost, {
      credentials,
      onRequest: rec.onRequest,
    }).repository('r');
    expect(digestOf(await repo.getBlob(digest))).toBe(digestOf(blob));
    const toStorage = seen.filter((s) => s.server === 'storage');
    expect(toStorage.length).toBe(1);
    expect(toStorage[0]!.headers.authorization).toBeUndefined();
    const toRegistry = seen.filter((s) => s.server === 'registry');
    expect(toRegistry.at(-1)!.headers.authorization).toBe(
      `Basic ${Buffer.from('u:redirect-secret').toString('base64')}`,
    );
    // The presigned query is redacted in what onRequest reports.
    const storageCall = rec.log.find((r) => r.url.includes('127.0.0.2'))!;
    expect(storageCall.url).toContain('X-Amz-Signature=REDACTED');
    expect(storageCall.url).not.toContain('s3cr3t');
    expect(storageCall.url).toContain('X-Amz-Expires=60');
  });

  it('keeps the credentials on a redirect within the registry origin', async () => {
    seen.length = 0;
    const repo = new RegistryClient(registryHost, { credentials }).repository('same');
    expect((await repo.getBlob(digest)).length).toBe(blob.length);
    const authorized = seen.filter((s) => s.server === 'registry' && s.headers.authorization);
    expect(authorized.map((s) => s.url)).toEqual([
      `/v2/same/blobs/${digest}`,
      `/v2/r/blobs/${digest}`,
    ]);
    expect(seen.find((s) => s.server === 'storage')!.headers.authorization).toBeUndefined();
  });

  it('stops a redirect loop', async () => {
    const repo = new RegistryClient(registryHost, { credentials }).repository('loop');
    await expect(repo.getBlob(digest)).rejects.toThrow(/more than 10 redirects/);
  });
});
