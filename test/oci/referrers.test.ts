import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MEDIA_TYPE,
  RegistryClient,
  encodeJson,
  referrersTag,
  type ImageIndex,
} from '../../lib/oci/index.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { pushArtifact, randomData, recorder, sleepRecorder } from './support.js';

let registry: TestRegistry;
let proxy: FaultProxy;

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy(registry.url);
});
afterAll(async () => {
  await proxy?.close();
  await registry?.stop();
});

const SIG = 'application/vnd.tufci.signature';
const SBOM = 'application/vnd.tufci.sbom';

describe('referrers through the fallback tag (docker-registry has no referrers API)', () => {
  it('lists a referrer once, with artifactType and annotations, however often it is pushed', async () => {
    const rec = recorder();
    const repo = new RegistryClient(registry.host, { onRequest: rec.onRequest }).repository(
      'ref/a',
    );
    const subject = await pushArtifact(repo, {
      files: [{ name: 'f', data: randomData(20) }],
      tag: 'v1',
    });
    const tag = referrersTag(subject.descriptor.digest);
    expect(tag).toBe(`sha256-${subject.descriptor.digest.slice(7)}`);

    expect(await repo.referrers(subject.descriptor.digest)).toEqual([]);
    expect(rec.log.filter((r) => r.url.includes('/referrers/')).map((r) => r.status)).toEqual([
      404,
    ]);

    const sig = await pushArtifact(repo, {
      artifactType: SIG,
      subject: subject.descriptor,
      annotations: { 'org.example.signer': 'alice' },
    });
    const expected = {
      ...sig.descriptor,
      artifactType: SIG,
      annotations: { 'org.example.signer': 'alice' },
    };
    expect(await repo.referrers(subject.descriptor.digest)).toEqual([expected]);

    const puts = () => rec.count('PUT', `/manifests/${tag}`);
    expect(puts()).toBe(1);
    await pushArtifact(repo, {
      artifactType: SIG,
      subject: subject.descriptor,
      annotations: { 'org.example.signer': 'alice' },
    });
    expect(puts()).toBe(1);

    const sbom = await pushArtifact(repo, { artifactType: SBOM, subject: subject.descriptor });
    expect(puts()).toBe(2);
    const both = await repo.referrers(subject.descriptor.digest);
    expect(both).toEqual([expected, { ...sbom.descriptor, artifactType: SBOM }]);
    expect(await repo.referrers(subject.descriptor.digest, { artifactType: SBOM })).toEqual([
      { ...sbom.descriptor, artifactType: SBOM },
    ]);

    const index = JSON.parse(
      Buffer.from((await repo.getManifest(tag)).bytes).toString(),
    ) as ImageIndex;
    expect(index.mediaType).toBe(MEDIA_TYPE.imageIndex);
    expect(index.manifests.map((d) => d.digest)).toEqual([
      sig.descriptor.digest,
      sbom.descriptor.digest,
    ]);
  });

  it('uses the config media type as artifactType of an image manifest without one', async () => {
    const repo = new RegistryClient(registry.host).repository('ref/b');
    const subject = await pushArtifact(repo, { tag: 's' });
    const config = await repo.putBlob(encodeJson({ signer: 'x' }), {
      mediaType: 'application/vnd.example.config+json',
    });
    const manifest = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.imageManifest,
      config,
      layers: [],
      subject: subject.descriptor,
    };
    const d = await repo.putManifest(encodeJson(manifest));
    expect(await repo.referrers(subject.descriptor.digest)).toEqual([
      { ...d, artifactType: 'application/vnd.example.config+json' },
    ]);
  });

  it('updates the fallback tag with If-Match on the ETag it read, and re-reads after 412', async () => {
    const sleeper = sleepRecorder();
    const repo = new RegistryClient(proxy.host, { sleep: sleeper.sleep }).repository('ref/c');
    const subject = await pushArtifact(repo, { tag: 's' });
    const tag = referrersTag(subject.descriptor.digest);
    const first = await pushArtifact(repo, { artifactType: SIG, subject: subject.descriptor });
    const firstPut = proxy.requests.find((r) => r.method === 'PUT' && r.url.endsWith(tag))!;
    expect(firstPut.headers['if-match']).toBeUndefined();
    const etag = (await repo.getManifest(tag)).etag;
    expect(etag).toMatch(/^"sha256:[0-9a-f]{64}"$/);

    proxy.failMatching((m, u) => m === 'PUT' && u.endsWith(tag), { status: 412, body: '' });
    const second = await pushArtifact(repo, { artifactType: SBOM, subject: subject.descriptor });
    const puts = proxy.requests.filter((r) => r.method === 'PUT' && r.url.endsWith(tag));
    expect(puts.map((r) => [r.status, r.headers['if-match']])).toEqual([
      [201, undefined],
      [412, etag],
      [201, etag],
    ]);
    expect((await repo.referrers(subject.descriptor.digest)).map((d) => d.digest)).toEqual([
      first.descriptor.digest,
      second.descriptor.digest,
    ]);
    expect(sleeper.sleeps).toEqual([250]);
  });
});

describe('referrers API (stub registry that has it)', () => {
  it('reads every page and filters by artifactType when the registry did not', async () => {
    const subject = `sha256:${'a'.repeat(64)}`;
    const d = (n: string, artifactType: string) => ({
      mediaType: MEDIA_TYPE.imageManifest,
      digest: `sha256:${n.repeat(64)}`,
      size: 10,
      artifactType,
    });
    const pages: Record<string, { manifests: ReturnType<typeof d>[]; next?: string }> = {
      first: { manifests: [d('1', SIG), d('2', SBOM)], next: 'second' },
      second: { manifests: [d('3', SIG)] },
    };
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.url ?? '');
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== `/v2/stub/referrers/${subject}`) return void res.writeHead(404).end();
      const page = pages[url.searchParams.get('page') ?? 'first']!;
      const headers: Record<string, string> = { 'content-type': MEDIA_TYPE.imageIndex };
      if (page.next) headers.link = `<${url.pathname}?page=${page.next}>; rel="next"`;
      res.writeHead(200, headers).end(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MEDIA_TYPE.imageIndex,
          manifests: page.manifests,
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const repo = new RegistryClient(
        `127.0.0.1:${(server.address() as AddressInfo).port}`,
      ).repository('stub');
      expect((await repo.referrers(subject)).map((x) => x.digest[7])).toEqual(['1', '2', '3']);
      expect(
        (await repo.referrers(subject, { artifactType: SIG })).map((x) => x.digest[7]),
      ).toEqual(['1', '3']);
      expect(seen.some((u) => u.includes('/manifests/sha256-'))).toBe(false);
      expect(seen).toContain(
        `/v2/stub/referrers/${subject}?artifactType=${encodeURIComponent(SIG)}`,
      );
    } finally {
      server.close();
    }
  });
});
