/**
 * Publishing through a fault proxy: 500, 429 and a truncated body are retried; a dropped
 * connection or a lasting error fails the publish cleanly. A TUF client reading during
 * or after the failure sees the old repository, never a mix, and a re-run completes.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTufSession } from '../../lib/client/oci-client.js';
import { OciFetcher, OCI_METADATA_URL } from '../../lib/client/oci-fetcher.js';
import { OciError, RegistryClient, type RegistryOptions } from '../../lib/oci/index.js';
import { OciPublisher } from '../../lib/publish/oci.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { Fixture, Requests } from './support.js';

let registry: TestRegistry;
let proxy: FaultProxy;
const fx = new Fixture();
const REPO = 'faults/tuf';

beforeAll(async () => {
  registry = await startRegistry();
  await fx.bootstrap('team');
  await fx.event({ 'a.txt': 'a v1\n', 'docs/b.txt': 'b v1\n', 'team/e.txt': 'e v1\n' });
});
afterAll(async () => {
  await registry?.stop();
  fx.cleanup();
});
beforeEach(async () => {
  proxy = await startFaultProxy(registry.url);
  return () => proxy.close();
});

const noSleep = async (): Promise<void> => undefined;

function publisher(options: RegistryOptions = {}): OciPublisher {
  const client = new RegistryClient(proxy.host, { sleep: noSleep, ...options });
  return new OciPublisher(`oci://${proxy.host}/${REPO}`, {
    metadata: client.repository(REPO),
    targets: client.repository(`${REPO}/targets`),
  });
}

function stores() {
  const client = new RegistryClient(registry.host);
  return { metadata: client.repository(REPO), targets: client.repository(`${REPO}/targets`) };
}

/** What a fresh client sees, straight from the registry: timestamp version and two files. */
async function clientView(): Promise<{ version: number; a: string; e: string }> {
  const session = await openTufSession({
    trustedRoot: readFileSync(fx.root1),
    source: stores(),
    cacheDir: mkdtempSync(join(fx.w.root, 'client-')),
    name: REPO,
    now: new Date(),
  });
  const read = async (path: string): Promise<string> => {
    const info = await session.updater.getTargetInfo(path);
    const file = join(session.targetDir, 'out');
    await session.updater.downloadTarget(info!, file);
    return readFileSync(file, 'utf8');
  };
  return { version: session.timestampVersion, a: await read('a.txt'), e: await read('team/e.txt') };
}

const timestamp = (): number => fx.tree().roles.get('timestamp')!.signed.version;
const isPut = (part: string) => (m: string, u: string) => m === 'PUT' && u.includes(part);

describe('publishing through faults', () => {
  it('retries 500, 429 and a cut response, and completes', async () => {
    proxy.failMatching(isPut('/blobs/uploads/'), { status: 500 }, 2);
    proxy.failMatching(isPut('/manifests/'), { status: 429, headers: { 'retry-after': '1' } });
    await publisher().publish(fx.tree());
    const faulted = proxy.requests.filter((r) => r.fault).map((r) => r.status);
    expect(faulted.sort()).toEqual([429, 500, 500]);
    // A response cut in the middle of its body: read again.
    proxy.failMatching((m, u) => m === 'GET' && u.includes('/manifests/latest'), {
      truncate: true,
    });
    const again = await publisher().publish(fx.tree());
    expect(again.written).toEqual([]);
    // The first publish found no `latest` (404); the second read it, cut, then whole.
    const latestGets = proxy.requests
      .filter((r) => r.method === 'GET' && r.url.endsWith('/latest'))
      .slice(1);
    expect(latestGets.map((r) => [r.status, !!r.fault])).toEqual([
      [200, true],
      [200, false],
    ]);
    expect(await clientView()).toEqual({ version: timestamp(), a: 'a v1\n', e: 'e v1\n' });
  });

  it('a dropped connection at the switch to latest fails cleanly; clients see old, then new', async () => {
    const old = await clientView();
    await fx.event({ 'a.txt': 'a v2\n', 'team/e.txt': 'e v2\n' });
    const during: Awaited<ReturnType<typeof clientView>>[] = [];
    const spy: typeof fetch = async (input, init) => {
      if (init?.method === 'PUT' && String(input).endsWith('/manifests/latest'))
        during.push(await clientView());
      return fetch(input, init);
    };
    proxy.failMatching(isPut('/manifests/latest'), { destroy: true }, 2);
    const failed = await publisher({ fetch: spy, retry: { maxAttempts: 2 } })
      .publish(fx.tree())
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(failed).toBeInstanceOf(OciError);
    expect((failed as OciError).kind).toBe('network');
    expect((failed as Error).message).toMatch(/PUT manifest .*latest: connection failed after 2/);
    expect(during).toEqual([old, old]);
    expect(await clientView()).toEqual(old);

    const requests = new Requests();
    await publisher({ onRequest: requests.onRequest }).publish(fx.tree());
    // Everything but `latest` was uploaded by the failed run: no blob is sent again.
    expect(requests.writes().filter((w) => w.startsWith('POST'))).toEqual([]);
    expect(requests.writes()).toContain(`PUT /v2/${REPO}/manifests/latest`);
    expect(await clientView()).toEqual({ version: timestamp(), a: 'a v2\n', e: 'e v2\n' });
  });

  it('a client that read the old latest still completes its update after a publish', async () => {
    const before = await clientView();
    const fetcher = new OciFetcher(stores());
    // The client has read timestamp.json of the old `latest`...
    await fetcher.downloadBytes(`${OCI_METADATA_URL}timestamp.json`, 1 << 20);
    await fx.event({ 'team/e.txt': 'e v3\n' });
    await publisher().publish(fx.tree());
    // ...and goes on with the same session: old snapshot, old role version, old file.
    const snapshot = JSON.parse(
      (
        await fetcher.downloadBytes(`${OCI_METADATA_URL}${before.version}.snapshot.json`, 1 << 20)
      ).toString('utf8'),
    ).signed.meta as Record<string, { version: number }>;
    const team = await fetcher.downloadBytes(
      `${OCI_METADATA_URL}${snapshot['team.json']!.version}.team.json`,
      1 << 20,
    );
    expect(JSON.parse(team.toString('utf8')).signed.version).toBe(snapshot['team.json']!.version);
    expect((await clientView()).e).toBe('e v3\n');
  });

  it('a lasting error while uploading targets fails the publish; the old repository stays', async () => {
    const old = await clientView();
    await fx.event({ 'docs/b.txt': 'b v2\n', 'new.txt': 'new\n' });
    proxy.failMatching(isPut('/faults/tuf/targets/blobs/uploads/'), { status: 503 }, 100);
    const failed = await publisher({ retry: { maxAttempts: 3 } })
      .publish(fx.tree())
      .catch((e: unknown) => e);
    expect((failed as OciError).status).toBe(503);
    expect(await clientView()).toEqual(old);
    expect(
      proxy.requests.some((r) => r.url.includes('/manifests/latest') && r.method === 'PUT'),
    ).toBe(false);
    const rerun = await startFaultProxy(registry.url);
    try {
      const client = new RegistryClient(rerun.host);
      await new OciPublisher(`oci://${rerun.host}/${REPO}`, {
        metadata: client.repository(REPO),
        targets: client.repository(`${REPO}/targets`),
      }).publish(fx.tree());
    } finally {
      await rerun.close();
    }
    expect((await clientView()).version).toBe(timestamp());
  });
});
