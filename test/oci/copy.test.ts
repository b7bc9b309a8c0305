/**
 * copyGraph between real registries and OCI layouts: an index with children and
 * referrers goes registry → layout → registry with every digest unchanged; a second
 * copy sends no blob uploads (requests counted); repositories of one registry mount
 * blobs; a referrer can be rewritten or left out.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MEDIA_TYPE,
  OciLayoutStore,
  RegistryClient,
  CopySession,
  OciError,
  copyGraph,
  emptyCopyReport,
  encodeJson,
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
  type OciStore,
} from '../../lib/oci/index.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { pushArtifact, randomData, recorder } from './support.js';

let a: TestRegistry;
let b: TestRegistry;
let work: string;

beforeAll(async () => {
  [a, b] = await Promise.all([startRegistry(), startRegistry()]);
  work = await mkdtemp(join(tmpdir(), 'tufci-copy-'));
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await rm(work, { recursive: true, force: true });
});

const SIG = 'application/vnd.tufci.test.signature';

/** Two platform manifests under an index tagged v1, and a signature referrer on the index. */
async function pushIndex(store: OciStore): Promise<{
  index: Descriptor;
  children: Descriptor[];
  blobs: string[];
  signature: Descriptor;
}> {
  const children: Descriptor[] = [];
  const blobs: string[] = [];
  for (const arch of ['amd64', 'arm64']) {
    const big = randomData(arch === 'amd64' ? 300_000 : 1000);
    const pushed = await pushArtifact(store, { files: [{ name: `app-${arch}`, data: big }] });
    blobs.push(...pushed.manifest.layers.map((l) => l.digest), pushed.manifest.config.digest);
    children.push({ ...pushed.descriptor, platform: { architecture: arch, os: 'linux' } });
  }
  const indexDoc: ImageIndex = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.imageIndex,
    manifests: children,
  };
  const bytes = encodeJson(indexDoc);
  const index = await store.putManifest(bytes, { tag: 'v1' });
  const signature = (
    await pushArtifact(store, {
      artifactType: SIG,
      files: [{ name: 'sig', data: randomData(64) }],
      subject: index,
    })
  ).descriptor;
  return { index, children, blobs: [...new Set(blobs)], signature };
}

async function expectSameGraph(
  src: OciStore,
  dst: OciStore,
  g: { index: Descriptor; children: Descriptor[]; blobs: string[] },
): Promise<void> {
  const s = await src.getManifest(g.index.digest);
  const d = await dst.getManifest('v1');
  expect(d.descriptor.digest).toBe(g.index.digest);
  expect(Buffer.from(d.bytes).equals(Buffer.from(s.bytes))).toBe(true);
  for (const child of g.children) {
    const got = await dst.getManifest(child.digest);
    expect(got.descriptor.digest).toBe(child.digest);
  }
  for (const blob of g.blobs) expect(await dst.hasBlob(blob)).toBe(true);
}

describe('copyGraph', () => {
  it('copies an index with children and referrers registry → layout → registry, digests unchanged', async () => {
    const src = new RegistryClient(a.host).repository('copy/src');
    const g = await pushIndex(src);
    const layout = await OciLayoutStore.open(join(work, 'round'));
    const r1 = await copyGraph(src, layout, g.index, { tag: 'v1', referrers: true });
    expect(r1).toMatchObject({ manifestsCopied: 4, referrersCopied: 1 });
    await expectSameGraph(src, layout, g);
    expect((await layout.referrers(g.index.digest)).map((d) => d.digest)).toEqual([
      g.signature.digest,
    ]);

    const rec = recorder();
    const dst = new RegistryClient(b.host, { onRequest: rec.onRequest }).repository('copy/dst');
    await copyGraph(layout, dst, g.index, { tag: 'v1', referrers: true });
    await expectSameGraph(src, dst, g);
    const listed = await dst.referrers(g.index.digest, { artifactType: SIG });
    expect(listed.map((d) => d.digest)).toEqual([g.signature.digest]);
    // children before parents: every child manifest was PUT before the index
    const puts = rec.log
      .filter((r) => r.method === 'PUT' && r.url.includes('/manifests/'))
      .map((r) => r.url.slice(r.url.lastIndexOf('/') + 1));
    const indexAt = puts.indexOf('v1');
    for (const c of g.children) expect(puts.indexOf(c.digest)).toBeLessThan(indexAt);
    expect(puts.indexOf(g.signature.digest)).toBeGreaterThan(indexAt);
  });

  it('a second copy sends no blob uploads and no manifests', async () => {
    const src = new RegistryClient(a.host).repository('copy/again');
    const g = await pushIndex(src);
    const dst = new RegistryClient(b.host).repository('copy/again');
    const first = await copyGraph(src, dst, g.index, { tag: 'v1', referrers: true });
    expect(first.blobsCopied).toBe(g.blobs.length + 1); // + the signature's layer
    const rec = recorder();
    const counted = new RegistryClient(b.host, { onRequest: rec.onRequest }).repository(
      'copy/again',
    );
    const second = await copyGraph(src, counted, g.index, { tag: 'v1', referrers: true });
    expect(second).toMatchObject({ blobsCopied: 0, manifestsCopied: 0, referrersCopied: 0 });
    expect(rec.count('POST')).toBe(0);
    expect(rec.count('PUT')).toBe(0);
    expect(rec.count('PATCH')).toBe(0);
    // the tag, and the one referrer found present
    expect(rec.log.length).toBeLessThanOrEqual(2);
  });

  it('only the missing part of a graph is sent', async () => {
    const src = new RegistryClient(a.host).repository('copy/part');
    const g = await pushIndex(src);
    const dst = new RegistryClient(b.host).repository('copy/part');
    await copyGraph(src, dst, g.children[0]!);
    const r = await copyGraph(src, dst, g.index, { tag: 'v1' });
    expect(r).toMatchObject({ manifestsPresent: 1, manifestsCopied: 2 });
    await expectSameGraph(src, dst, g);
  });

  it('mounts blobs between repositories of one registry instead of sending them', async () => {
    const src = new RegistryClient(a.host).repository('copy/mount-src');
    const g = await pushIndex(src);
    const rec = recorder();
    const dst = new RegistryClient(a.host, { onRequest: rec.onRequest }).repository(
      'copy/mount-dst',
    );
    const r = await copyGraph(src, dst, g.index, { tag: 'v1' });
    expect(r.blobsMounted).toBe(g.blobs.length);
    expect(r.blobsCopied).toBe(0);
    expect(rec.log.filter((x) => x.url.includes('mount=')).length).toBe(g.blobs.length);
    expect(rec.log.filter((x) => x.method === 'PUT' && x.url.includes('/blobs/'))).toEqual([]);
    await expectSameGraph(src, dst, g);
  });

  it('rewrites a referrer through the hook, or leaves it out', async () => {
    const src = new RegistryClient(a.host).repository('copy/rewrite');
    const g = await pushIndex(src);
    const rewritten = new RegistryClient(b.host).repository('copy/rewritten');
    await copyGraph(src, rewritten, g.index, {
      tag: 'v1',
      referrers: true,
      rewriteReferrer: ({ manifest }) =>
        encodeJson({ ...(manifest as ImageManifest), annotations: { moved: 'yes' } }),
    });
    const listed = await rewritten.referrers(g.index.digest, { artifactType: SIG });
    expect(listed).toHaveLength(1);
    expect(listed[0]!.digest).not.toBe(g.signature.digest);
    expect(listed[0]!.annotations).toEqual({ moved: 'yes' });

    const dropped = new RegistryClient(b.host).repository('copy/dropped');
    const r = await copyGraph(src, dropped, g.index, {
      tag: 'v1',
      referrers: true,
      rewriteReferrer: () => null,
    });
    expect(r.referrersDropped).toBe(1);
    expect(await dropped.referrers(g.index.digest)).toEqual([]);

    await expect(
      copyGraph(src, new RegistryClient(b.host).repository('copy/bad'), g.index, {
        referrers: true,
        rewriteReferrer: ({ manifest }) => encodeJson({ ...manifest, subject: g.children[0] }),
      }),
    ).rejects.toMatchObject({ kind: 'invalid' });
  });

  it('copies that run at once into one repository share a session: each blob is sent once', async () => {
    const src = new RegistryClient(a.host).repository('copy/session');
    // Twelve artifacts naming the same config blob and one shared layer.
    const shared = randomData(2000);
    const artifacts = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        pushArtifact(src, {
          files: [
            { name: 'shared', data: shared },
            { name: `own-${i}`, data: randomData(100) },
          ],
        }),
      ),
    );
    const rec = recorder();
    const dst = new RegistryClient(b.host, { onRequest: rec.onRequest }).repository('copy/session');
    const session = new CopySession();
    const report = emptyCopyReport();
    await Promise.all(
      artifacts.map((x, i) => copyGraph(src, dst, x.descriptor, { tag: `t${i}`, session, report })),
    );
    // config + shared layer + one own layer each: 14 blobs, each uploaded once
    expect(report.blobsCopied).toBe(14);
    expect(rec.count('POST', '/blobs/uploads/')).toBe(14);
    expect(report.manifestsCopied).toBe(12);
    for (let i = 0; i < 12; i++)
      expect((await dst.headManifest(`t${i}`))?.digest).toBe(artifacts[i]!.descriptor.digest);
  });

  it('asks again when the registry says a stored child is unknown, and only then', async () => {
    const src = new RegistryClient(a.host).repository('copy/race');
    const x = await pushArtifact(src, { files: [{ name: 'f', data: randomData(100) }] });
    const real = new RegistryClient(b.host).repository('copy/race');
    const refusing = (codes: string[], times: number): OciStore => {
      let left = times;
      return new Proxy(real, {
        get(target, prop, receiver) {
          if (prop === 'putManifest')
            return async (...args: Parameters<OciStore['putManifest']>) => {
              if (left-- > 0)
                throw new OciError('invalid', { operation: 'PUT manifest', status: 400, codes });
              return target.putManifest(...args);
            };
          const v: unknown = Reflect.get(target, prop, receiver);
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
    };
    const r = await copyGraph(src, refusing(['MANIFEST_BLOB_UNKNOWN'], 2), x.descriptor, {
      tag: 'raced',
    });
    expect(r.manifestsCopied).toBe(1);
    expect((await real.headManifest('raced'))?.digest).toBe(x.descriptor.digest);
    // a refusal of another kind is not asked again
    await expect(
      copyGraph(src, refusing(['MANIFEST_INVALID'], 1), x.descriptor, { tag: 'other' }),
    ).rejects.toMatchObject({ codes: ['MANIFEST_INVALID'] });
    // nor is one that goes on
    await expect(
      copyGraph(src, refusing(['MANIFEST_BLOB_UNKNOWN'], 10), x.descriptor, { tag: 'never' }),
    ).rejects.toMatchObject({ codes: ['MANIFEST_BLOB_UNKNOWN'] });
  });
});
