import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MEDIA_TYPE,
  OciError,
  RegistryClient,
  digestOf,
  encodeJson,
  type ImageIndex,
} from '../../lib/oci/index.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { pushArtifact, randomData, recorder } from './support.js';

let registry: TestRegistry;

beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => {
  await registry?.stop();
});

describe('manifests on a real registry', () => {
  it('puts and gets an image manifest by tag and by digest, bytes unchanged', async () => {
    const repo = new RegistryClient(registry.host).repository('man/one');
    const file = { name: 'a.txt', data: randomData(100) };
    const pushed = await pushArtifact(repo, { files: [file], tag: 'v1' });
    expect(pushed.descriptor).toEqual({
      mediaType: MEDIA_TYPE.imageManifest,
      digest: digestOf(pushed.bytes),
      size: pushed.bytes.length,
    });
    const byTag = await repo.getManifest('v1');
    expect(digestOf(byTag.bytes)).toBe(digestOf(pushed.bytes));
    expect(byTag.descriptor).toEqual(pushed.descriptor);
    expect(byTag.etag).toBe(`"${pushed.descriptor.digest}"`);
    const byDigest = await repo.getManifest(pushed.descriptor.digest);
    expect(byDigest.descriptor).toEqual(pushed.descriptor);
    expect(await repo.headManifest('v1')).toEqual(pushed.descriptor);
    expect(await repo.headManifest(pushed.descriptor.digest)).toEqual(pushed.descriptor);
    expect(await repo.headManifest('missing')).toBeUndefined();
  });

  it('puts and gets an OCI index, by digest and by tag', async () => {
    const repo = new RegistryClient(registry.host).repository('man/index');
    const a = await pushArtifact(repo, { files: [{ name: 'a', data: randomData(10) }] });
    const b = await pushArtifact(repo, { files: [{ name: 'b', data: randomData(10) }] });
    const index: ImageIndex = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.imageIndex,
      manifests: [
        { ...a.descriptor, platform: { architecture: 'amd64', os: 'linux' } },
        { ...b.descriptor, platform: { architecture: 'arm64', os: 'linux' } },
      ],
      annotations: { 'org.example': 'yes' },
    };
    const bytes = encodeJson(index);
    const d = await repo.putManifest(bytes, { tag: 'multi' });
    expect(d.mediaType).toBe(MEDIA_TYPE.imageIndex);
    const got = await repo.getManifest('multi');
    expect(got.descriptor).toEqual(d);
    expect(JSON.parse(Buffer.from(got.bytes).toString())).toEqual(index);
    const byDigest = await repo.getManifest(d.digest);
    expect(byDigest.descriptor.mediaType).toBe(MEDIA_TYPE.imageIndex);
  });

  it('moves a tag to a new manifest', async () => {
    const repo = new RegistryClient(registry.host).repository('man/move');
    const first = await pushArtifact(repo, {
      files: [{ name: 'x', data: randomData(5) }],
      tag: 'latest',
    });
    const second = await pushArtifact(repo, {
      files: [{ name: 'x', data: randomData(5) }],
      tag: 'latest',
    });
    expect(second.descriptor.digest).not.toBe(first.descriptor.digest);
    expect((await repo.getManifest('latest')).descriptor.digest).toBe(second.descriptor.digest);
    expect((await repo.getManifest(first.descriptor.digest)).descriptor.digest).toBe(
      first.descriptor.digest,
    );
  });

  it('sends an Accept header that lists OCI and Docker manifest types', async () => {
    const seen: string[] = [];
    const repo = new RegistryClient(registry.host, {
      fetch: async (input, init) => {
        const accept = new Headers(init?.headers).get('accept');
        if (accept) seen.push(accept);
        return fetch(input, init);
      },
    }).repository('man/accept');
    await pushArtifact(repo, { tag: 't' });
    await repo.getManifest('t');
    expect(seen.at(-1)?.split(', ')).toEqual([
      MEDIA_TYPE.imageManifest,
      MEDIA_TYPE.imageIndex,
      MEDIA_TYPE.dockerManifest,
      MEDIA_TYPE.dockerManifestList,
    ]);
  });

  it('reports a missing manifest as not-found naming the reference', async () => {
    const repo = new RegistryClient(registry.host).repository('man/one');
    const err = (await repo.getManifest('nope').catch((e: unknown) => e)) as OciError;
    expect(err).toBeInstanceOf(OciError);
    expect(err.kind).toBe('not-found');
    expect(err.message).toContain(`${registry.host}/man/one:nope: HTTP 404 MANIFEST_UNKNOWN`);
  });

  it('rejects invalid tags and repository names before any request', async () => {
    const rec = recorder();
    const client = new RegistryClient(registry.host, { onRequest: rec.onRequest });
    expect(() => client.repository('Upper/Case')).toThrow(OciError);
    const repo = client.repository('man/x');
    await expect(repo.getManifest('.bad')).rejects.toThrow(/not a tag or digest/);
    await expect(
      repo.putManifest(encodeJson({ schemaVersion: 2, manifests: [] }), { tag: 'a/b' }),
    ).rejects.toThrow(/not a tag or digest/);
    await expect(repo.putManifest(encodeJson({ not: 'a manifest' }))).rejects.toThrow(
      /schemaVersion/,
    );
    expect(rec.log).toEqual([]);
  });

  it('lists all tags of the real registry, asking for pages with ?n=', async () => {
    const rec = recorder();
    const repo = new RegistryClient(registry.host, { onRequest: rec.onRequest }).repository(
      'man/tags',
    );
    const tags = ['a', 'b', 'c', 'd', 'e'];
    for (const tag of tags) await pushArtifact(repo, { tag });
    rec.log.length = 0;
    // distribution 2.8 ignores n= and sends no Link: one page, in its own order.
    expect((await repo.listTags({ pageSize: 2 })).sort()).toEqual(tags);
    expect(rec.log.map((r) => new URL(r.url).search)).toEqual(['?n=2']);
  });

  it('follows Link rel="next" from page to page', async () => {
    const all = ['a', 'b', 'c', 'd', 'e'];
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const n = Number(url.searchParams.get('n') ?? 100);
      const last = url.searchParams.get('last');
      const start = last ? all.indexOf(last) + 1 : 0;
      const page = all.slice(start, start + n);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (start + n < all.length) {
        headers.link = `</v2/paged/tags/list?n=${n}&last=${page.at(-1)}>; rel="next"`;
      }
      res.writeHead(200, headers).end(JSON.stringify({ name: 'paged', tags: page }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const rec = recorder();
      const port = (server.address() as AddressInfo).port;
      const repo = new RegistryClient(`127.0.0.1:${port}`, { onRequest: rec.onRequest }).repository(
        'paged',
      );
      expect(await repo.listTags({ pageSize: 2 })).toEqual(all);
      expect(rec.log.map((r) => new URL(r.url).search)).toEqual([
        '?n=2',
        '?n=2&last=b',
        '?n=2&last=d',
      ]);
    } finally {
      server.close();
    }
  });
});
