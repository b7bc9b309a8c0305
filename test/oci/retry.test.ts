import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OciError, RegistryClient, digestOf, type RegistryOptions } from '../../lib/oci/index.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { pushArtifact, randomData, sleepRecorder } from './support.js';

let registry: TestRegistry;
let proxy: FaultProxy;

beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => {
  await registry?.stop();
});
beforeEach(async () => {
  proxy = await startFaultProxy(registry.url);
  return () => proxy.close();
});

function client(options: RegistryOptions = {}) {
  const sleeper = sleepRecorder();
  const repo = new RegistryClient(proxy.host, { sleep: sleeper.sleep, ...options }).repository(
    'retry/r',
  );
  return { repo, sleeps: sleeper.sleeps };
}

const isBlobGet = (m: string, u: string) => m === 'GET' && u.includes('/blobs/sha256:');

describe('retries through a fault proxy', () => {
  it('retries a 500 with exponential backoff', async () => {
    const { repo, sleeps } = client();
    const d = await repo.putBlob(randomData(100));
    proxy.failMatching(isBlobGet, { status: 500 }, 2);
    expect((await repo.getBlob(d.digest)).length).toBe(100);
    expect(proxy.requests.filter((r) => isBlobGet(r.method, r.url)).map((r) => r.status)).toEqual([
      500, 500, 200,
    ]);
    expect(sleeps).toEqual([250, 500]);
  });

  it('waits as long as a 429 Retry-After says', async () => {
    const { repo, sleeps } = client();
    proxy.failMatching((m) => m === 'HEAD', { status: 429, headers: { 'retry-after': '3' } });
    const d = await repo.putBlob(randomData(10));
    expect(sleeps).toEqual([3000]);
    expect(await repo.hasBlob(d.digest)).toBe(true);
  });

  it('retries when the connection drops before an answer', async () => {
    const { repo, sleeps } = client();
    proxy.failMatching((m) => m === 'POST', { destroy: true });
    const d = await repo.putBlob(randomData(10));
    expect(proxy.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([
      0, 202,
    ]);
    expect(sleeps.length).toBe(1);
    expect(await repo.hasBlob(d.digest)).toBe(true);
  });

  it('retries when the body is cut short, and still verifies the digest', async () => {
    const { repo } = client();
    const data = randomData(300_000);
    const d = await repo.putBlob(data);
    proxy.failMatching(isBlobGet, { truncate: true });
    expect(digestOf(await repo.getBlob(d.digest))).toBe(digestOf(data));
    expect(proxy.requests.filter((r) => isBlobGet(r.method, r.url)).length).toBe(2);
  });

  it('gives up after maxAttempts with an error naming the status', async () => {
    const { repo, sleeps } = client({ retry: { maxAttempts: 3 } });
    const d = await repo.putBlob(randomData(10));
    proxy.failMatching(isBlobGet, { status: 503 }, 10);
    const err = (await repo.getBlob(d.digest).catch((e: unknown) => e)) as OciError;
    expect(err).toBeInstanceOf(OciError);
    expect(err.kind).toBe('http');
    expect(err.status).toBe(503);
    expect(err.message).toContain(`GET blob ${proxy.host}/retry/r@${d.digest}: HTTP 503`);
    expect(sleeps).toEqual([250, 500]);
    expect(proxy.requests.filter((r) => isBlobGet(r.method, r.url)).length).toBe(3);
  });

  it('gives up on a connection that keeps dropping with a network error', async () => {
    const { repo } = client({ retry: { maxAttempts: 2 } });
    proxy.failMatching(() => true, { destroy: true }, 10);
    const err = (await repo.getManifest('v1').catch((e: unknown) => e)) as OciError;
    expect(err.kind).toBe('network');
    expect(err.message).toMatch(
      /^GET manifest 127\.0\.0\.1:\d+\/retry\/r:v1: connection failed after 2 attempts/,
    );
  });

  it('does not retry 404 or 400', async () => {
    const { repo, sleeps } = client();
    await expect(repo.getManifest('absent')).rejects.toMatchObject({ kind: 'not-found' });
    proxy.failMatching((m) => m === 'GET', { status: 400 });
    await expect(repo.getManifest('absent')).rejects.toMatchObject({ kind: 'http', status: 400 });
    expect(sleeps).toEqual([]);
  });

  it('resumes a chunked upload after a dropped PATCH from the offset the registry reports', async () => {
    const { repo } = client({ monolithicLimit: 1000, chunkSize: 40_000 });
    const data = randomData(150_000);
    let patches = 0;
    proxy.failMatching((m) => m === 'PATCH' && ++patches === 2, { destroy: true });
    const d = await repo.putBlob(data);
    const log = proxy.requests.map((r) => `${r.method} ${r.status}`);
    expect(log).toEqual([
      'HEAD 404',
      'POST 202',
      'PATCH 202',
      'PATCH 0',
      'GET 204',
      'PATCH 202',
      'PATCH 202',
      'PATCH 202',
      'PUT 201',
    ]);
    expect(digestOf(await repo.getBlob(d.digest))).toBe(digestOf(data));
  });

  it('restarts an upload whose session is gone', async () => {
    const { repo } = client({ monolithicLimit: 1000, chunkSize: 40_000 });
    const data = randomData(100_000);
    proxy.failMatching((m) => m === 'PATCH', { status: 500 });
    proxy.failMatching((m, u) => m === 'GET' && u.includes('/uploads/'), { status: 404 });
    const d = await repo.putBlob(data);
    expect(proxy.requests.filter((r) => r.method === 'POST').length).toBe(2);
    expect(digestOf(await repo.getBlob(d.digest))).toBe(digestOf(data));
  });

  it('retries PUT of a manifest after a 502', async () => {
    const { repo } = client();
    proxy.failMatching((m, u) => m === 'PUT' && u.includes('/manifests/'), { status: 502 });
    const pushed = await pushArtifact(repo, { tag: 'v1' });
    expect((await repo.getManifest('v1')).descriptor).toEqual(pushed.descriptor);
  });
});
