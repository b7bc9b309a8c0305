import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciError, RegistryClient, digestOf } from '../../lib/oci/index.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { randomData, recorder } from './support.js';

let registry: TestRegistry;
let work: string;

beforeAll(async () => {
  registry = await startRegistry();
  work = await mkdtemp(join(tmpdir(), 'tufci-oci-blobs-'));
});
afterAll(async () => {
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('blobs on a real registry', () => {
  it('pushes monolithically (POST + PUT) and pulls back the same bytes', async () => {
    const rec = recorder();
    const repo = new RegistryClient(registry.host, { onRequest: rec.onRequest }).repository(
      'blobs/mono',
    );
    const data = randomData(10_000);
    const d = await repo.putBlob(data, { mediaType: 'application/x-test' });
    expect(d).toEqual({ mediaType: 'application/x-test', digest: digestOf(data), size: 10_000 });
    expect(rec.count('POST', '/blobs/uploads/')).toBe(1);
    expect(rec.count('PUT', 'digest=')).toBe(1);
    expect(rec.count('PATCH')).toBe(0);
    expect(digestOf(await repo.getBlob(d.digest))).toBe(digestOf(data));
    expect(await repo.statBlob(d.digest)).toMatchObject({ digest: d.digest, size: 10_000 });
    expect(await repo.hasBlob(digestOf(randomData(8)))).toBe(false);
  });

  it('skips the upload when the blob is already there', async () => {
    const rec = recorder();
    const repo = new RegistryClient(registry.host, { onRequest: rec.onRequest }).repository(
      'blobs/skip',
    );
    const data = randomData(1000);
    await repo.putBlob(data);
    const before = rec.log.length;
    await repo.putBlob(data);
    expect(rec.log.slice(before).map((r) => r.method)).toEqual(['HEAD']);
  });

  it('pushes large blobs in PATCH chunks, from memory and from a file', async () => {
    const rec = recorder();
    const client = new RegistryClient(registry.host, {
      onRequest: rec.onRequest,
      monolithicLimit: 64 * 1024,
      chunkSize: 100_000,
    });
    const repo = client.repository('blobs/chunked');
    const data = randomData(350_000);
    const d = await repo.putBlob(data);
    expect(rec.count('PATCH')).toBe(4);
    expect(rec.log.filter((r) => r.method === 'PATCH').every((r) => r.status === 202)).toBe(true);
    expect(digestOf(await repo.getBlob(d.digest))).toBe(digestOf(data));

    const file = join(work, 'big.bin');
    const fileData = randomData(250_001);
    await writeFile(file, fileData);
    const fd = await repo.putBlobFile(file);
    expect(fd).toMatchObject({ digest: digestOf(fileData), size: 250_001 });
    expect(rec.count('PATCH')).toBe(4 + 3);
    expect(digestOf(await repo.getBlob(fd.digest))).toBe(digestOf(fileData));

    // with the digest given, the file is read once (not hashed first); a wrong digest is
    // refused by the registry when the upload completes, and nothing is stored under it
    const given = await repo.putBlobFile(file, { digest: fd.digest });
    expect(given).toMatchObject({ digest: fd.digest, size: 250_001 });
    const wrong = digestOf(randomData(10));
    const err = await repo.putBlobFile(file, { digest: wrong }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OciError);
    expect((err as OciError).codes).toContain('DIGEST_INVALID');
    expect(await repo.hasBlob(wrong)).toBe(false);
  });

  it('mounts a blob from another repository instead of uploading it', async () => {
    const rec = recorder();
    const client = new RegistryClient(registry.host, { onRequest: rec.onRequest });
    const data = randomData(5000);
    const d = await client.repository('blobs/source').putBlob(data);
    const target = client.repository('blobs/target');
    expect(await target.hasBlob(d.digest)).toBe(false);
    const before = rec.log.length;
    await target.putBlob(data, { mountFrom: 'blobs/source' });
    const calls = rec.log.slice(before);
    expect(calls.map((r) => `${r.method} ${r.status}`)).toEqual(['HEAD 404', 'POST 201']);
    expect(calls[1]!.url).toContain(`mount=${encodeURIComponent(d.digest)}&from=blobs%2Fsource`);
    expect(digestOf(await target.getBlob(d.digest))).toBe(digestOf(data));
  });

  it('falls back to uploading when the mount source lacks the blob', async () => {
    const client = new RegistryClient(registry.host);
    const data = randomData(700);
    const target = client.repository('blobs/target2');
    const d = await target.putBlob(data, { mountFrom: 'blobs/nothing-here' });
    expect(digestOf(await target.getBlob(d.digest))).toBe(digestOf(data));
  });

  it('streams a blob to a file, verifying digest and size', async () => {
    const repo = new RegistryClient(registry.host).repository('blobs/file');
    const data = randomData(200_000);
    const d = await repo.putBlob(data);
    const out = join(work, 'out.bin');
    expect(await repo.getBlobToFile(d.digest, out, { expectedSize: d.size })).toBe(200_000);
    expect(digestOf(await readFile(out))).toBe(digestOf(data));

    const err = await repo
      .getBlobToFile(d.digest, join(work, 'small.bin'), { maxSize: 1000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OciError);
    expect((err as OciError).kind).toBe('too-large');
    await expect(readFile(join(work, 'small.bin'))).rejects.toThrow(/ENOENT/);

    const wrong = await repo
      .getBlob(d.digest, { expectedSize: d.size - 1 })
      .catch((e: unknown) => e);
    expect((wrong as OciError).kind).toBe('digest-mismatch');
  });

  it('names registry, repository and digest in a not-found error', async () => {
    const repo = new RegistryClient(registry.host).repository('blobs/none');
    const digest = digestOf(randomData(10));
    const err = (await repo.getBlob(digest).catch((e: unknown) => e)) as OciError;
    expect(err).toBeInstanceOf(OciError);
    expect(err.kind).toBe('not-found');
    expect(err.status).toBe(404);
    expect(err.codes).toContain('BLOB_UNKNOWN');
    expect(err.message).toBe(
      `GET blob ${registry.host}/blobs/none@${digest}: HTTP 404 BLOB_UNKNOWN blob unknown to registry`,
    );
  });

  it('refuses a digest the content does not have', async () => {
    const repo = new RegistryClient(registry.host).repository('blobs/bad');
    const err = (await repo
      .putBlob(randomData(10), { digest: digestOf(randomData(10)) })
      .catch((e: unknown) => e)) as OciError;
    expect(err.kind).toBe('digest-mismatch');
  });
});
