import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MEDIA_TYPE,
  OciError,
  OciLayoutStore,
  REF_NAME_ANNOTATION,
  digestOf,
  encodeJson,
  referrersTag,
  type ImageIndex,
} from '../../lib/oci/index.js';
import { pushArtifact, randomData } from './support.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'tufci-oci-layout-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function fresh(name: string): Promise<{ dir: string; store: OciLayoutStore }> {
  const dir = join(work, name);
  return { dir, store: await OciLayoutStore.open(dir) };
}

async function indexOf(dir: string): Promise<ImageIndex> {
  return JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as ImageIndex;
}

async function leftovers(dir: string): Promise<string[]> {
  const all = await readdir(dir, { recursive: true });
  return all.filter((f) => f.endsWith('.tmp'));
}

describe('OCI image-layout store', () => {
  it('creates oci-layout, index.json and blobs/sha256', async () => {
    const { dir, store } = await fresh('create');
    expect(JSON.parse(await readFile(join(dir, 'oci-layout'), 'utf8'))).toEqual({
      imageLayoutVersion: '1.0.0',
    });
    expect(await indexOf(dir)).toEqual({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.imageIndex,
      manifests: [],
    });
    expect(await readdir(join(dir, 'blobs'))).toEqual(['sha256']);
    expect(store.description).toBe(`oci-layout ${dir}`);
    await expect(
      OciLayoutStore.open(join(work, 'absent'), { create: false }),
    ).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('stores blobs under their digest and reads them back verified', async () => {
    const { dir, store } = await fresh('blobs');
    const data = randomData(1000);
    const d = await store.putBlob(data);
    expect(d.digest).toBe(digestOf(data));
    expect(Buffer.from(await readFile(join(dir, 'blobs', 'sha256', d.digest.slice(7))))).toEqual(
      Buffer.from(data),
    );
    expect(digestOf(await store.getBlob(d.digest))).toBe(digestOf(data));
    expect(await store.statBlob(d.digest)).toMatchObject({ size: 1000 });
    const out = join(work, 'blob-out.bin');
    expect(await store.getBlobToFile(d.digest, out)).toBe(1000);
    expect(digestOf(await readFile(out))).toBe(digestOf(data));

    const file = join(work, 'in.bin');
    const fileData = randomData(70_000);
    await writeFile(file, fileData);
    expect((await store.putBlobFile(file)).digest).toBe(digestOf(fileData));
    expect(digestOf(await store.getBlob(digestOf(fileData)))).toBe(digestOf(fileData));

    await expect(store.getBlob(d.digest, { maxSize: 999 })).rejects.toMatchObject({
      kind: 'too-large',
    });
    await writeFile(join(dir, 'blobs', 'sha256', d.digest.slice(7)), randomData(1000));
    await expect(store.getBlob(d.digest)).rejects.toMatchObject({ kind: 'digest-mismatch' });
    await expect(store.getBlob(digestOf(randomData(3)))).rejects.toMatchObject({
      kind: 'not-found',
    });
    expect(await leftovers(dir)).toEqual([]);
  });

  it('tags manifests in index.json with org.opencontainers.image.ref.name', async () => {
    const { dir, store } = await fresh('tags');
    const v1 = await pushArtifact(store, {
      files: [{ name: 'a', data: randomData(10) }],
      tag: 'v1',
    });
    const v2 = await pushArtifact(store, {
      files: [{ name: 'b', data: randomData(10) }],
      tag: 'v2',
    });
    expect((await store.getManifest('v1')).descriptor).toEqual(v1.descriptor);
    expect(Buffer.from((await store.getManifest(v2.descriptor.digest)).bytes)).toEqual(
      Buffer.from(v2.bytes),
    );
    expect(await store.listTags()).toEqual(['v1', 'v2']);

    // Moving v1 replaces its entry; pushing by digest adds an untagged entry once.
    await store.putManifest(v2.bytes, { tag: 'v1' });
    await store.putManifest(v1.bytes);
    await store.putManifest(v1.bytes);
    const index = await indexOf(dir);
    expect(index.manifests.map((d) => [d.digest, d.annotations?.[REF_NAME_ANNOTATION]])).toEqual([
      [v2.descriptor.digest, 'v2'],
      [v2.descriptor.digest, 'v1'],
      [v1.descriptor.digest, undefined],
    ]);
    expect(index.manifests[0]).toMatchObject({
      mediaType: MEDIA_TYPE.imageManifest,
      artifactType: 'application/vnd.tufci.test',
    });
    expect(await store.headManifest('v1')).toEqual(v2.descriptor);
    expect(await store.headManifest('gone')).toBeUndefined();
    await expect(store.getManifest('gone')).rejects.toBeInstanceOf(OciError);
    expect(await leftovers(dir)).toEqual([]);
  });

  it('refuses a conditional update when the tag moved', async () => {
    const { store } = await fresh('ifmatch');
    const a = await pushArtifact(store, { tag: 't', annotations: { n: '1' } });
    const read = await store.getManifest('t');
    expect(read.etag).toBe(`"${a.descriptor.digest}"`);
    const b = await pushArtifact(store, { annotations: { n: '2' } });
    await store.putManifest(b.bytes, { tag: 't', ifMatch: read.etag });
    await expect(
      store.putManifest(a.bytes, { tag: 't', ifMatch: read.etag }),
    ).rejects.toMatchObject({
      kind: 'precondition-failed',
    });
    expect((await store.getManifest('t')).descriptor.digest).toBe(b.descriptor.digest);
  });

  it('finds referrers among the manifests it lists, and in a fallback tag', async () => {
    const { store } = await fresh('referrers');
    const subject = await pushArtifact(store, { tag: 'subject' });
    const sig = await pushArtifact(store, {
      artifactType: 'application/vnd.tufci.sig',
      subject: subject.descriptor,
      annotations: { who: 'alice' },
    });
    await pushArtifact(store, {
      artifactType: 'application/vnd.tufci.sig',
      subject: subject.descriptor,
      annotations: { who: 'alice' },
    });
    const other = await pushArtifact(store, {
      artifactType: 'application/vnd.tufci.note',
      subject: sig.descriptor,
    });
    expect(await store.referrers(subject.descriptor.digest)).toEqual([
      {
        ...sig.descriptor,
        artifactType: 'application/vnd.tufci.sig',
        annotations: { who: 'alice' },
      },
    ]);
    expect(
      await store.referrers(sig.descriptor.digest, { artifactType: 'application/vnd.tufci.sig' }),
    ).toEqual([]);
    expect((await store.referrers(sig.descriptor.digest)).map((d) => d.digest)).toEqual([
      other.descriptor.digest,
    ]);

    // A fallback tag copied from a registry is honoured too.
    const listed = {
      mediaType: MEDIA_TYPE.imageManifest,
      digest: digestOf(randomData(4)),
      size: 4,
      artifactType: 'x',
    };
    const fallback = { schemaVersion: 2, mediaType: MEDIA_TYPE.imageIndex, manifests: [listed] };
    await store.putManifest(encodeJson(fallback), { tag: referrersTag(subject.descriptor.digest) });
    expect((await store.referrers(subject.descriptor.digest)).map((d) => d.digest)).toEqual([
      sig.descriptor.digest,
      listed.digest,
    ]);
  });

  it('keeps index.json consistent under concurrent writes', async () => {
    const { store } = await fresh('concurrent');
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        pushArtifact(store, { tag: `t${i}`, annotations: { i: String(i) } }),
      ),
    );
    expect((await store.listTags()).length).toBe(20);
  });
});
