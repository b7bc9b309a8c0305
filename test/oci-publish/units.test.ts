/** The layout conventions, manifest builders and helpers, without a registry. */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OciFetcher, OCI_METADATA_URL, OCI_TARGETS_URL } from '../../lib/client/oci-fetcher.js';
import {
  OciLayoutStore,
  Shared,
  isValidTag,
  parseMetadataFileName,
  registryArtifactOf,
  roleTag,
  runPool,
  targetLocation,
} from '../../lib/oci/index.js';
import { directoryManifests, publishedTargetFile } from '../../lib/oci/tuf-manifests.js';
import { isOciLocation, parseLocation } from '../../lib/location.js';

const H = 'a'.repeat(64);
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('TUF-on-OCI names', () => {
  it('parses metadata file names, dotted roles included', () => {
    expect(parseMetadataFileName('timestamp.json')).toEqual({ role: 'timestamp' });
    expect(parseMetadataFileName('3.snapshot.json')).toEqual({ role: 'snapshot', version: 3 });
    expect(parseMetadataFileName('2.team.ops.json')).toEqual({ role: 'team.ops', version: 2 });
    expect(parseMetadataFileName('root')).toBeUndefined();
  });

  it('locates target files: top-level files get a tag, others their directory', () => {
    expect(targetLocation(`targets/${H}.app.txt`)).toEqual({
      sha256: H,
      fileName: `${H}.app.txt`,
      relPath: `${H}.app.txt`,
      tag: `${H}.app.txt`,
    });
    expect(targetLocation(`targets/docs/v1/${H}.b.txt`)).toMatchObject({
      relPath: `docs/v1/${H}.b.txt`,
      indexTag: 'docs',
    });
    const long = targetLocation(`${H}.${'x'.repeat(100)}`)!;
    expect(isValidTag(long.tag!)).toBe(true);
    expect(long.tag).not.toBe(long.fileName);
    expect(targetLocation('targets/plain.txt')).toBeUndefined();
  });

  it('never lets a role take the latest tag', () => {
    expect(roleTag('team.ops')).toBe('team.ops');
    expect(roleTag('latest')).not.toBe('latest');
    expect(isValidTag(roleTag('latest'))).toBe(true);
    expect(isValidTag(roleTag('-odd role name-'))).toBe(true);
  });

  it('reads a registry artifact descriptor from custom', () => {
    const oci = { mediaType: 'm', digest: `sha256:${H}`, size: 3 };
    expect(registryArtifactOf({ oci, 'x-tufci-oci-source': 'h/r' })).toEqual({
      descriptor: oci,
      source: 'h/r',
    });
    expect(registryArtifactOf({ oci: { digest: 'x' } })).toBeUndefined();
    expect(registryArtifactOf(undefined)).toBeUndefined();
  });

  it('parses destinations', () => {
    const parse = (text: string) => parseLocation(text, { flag: '--to', cwd: '/w' });
    expect(parse('oci://127.0.0.1:5000/a/tuf')).toMatchObject({
      host: '127.0.0.1:5000',
      repository: 'a/tuf',
    });
    expect(() => parse('oci://127.0.0.1:5000/a/tuf:v1')).toThrow(/without a tag/);
    expect(isOciLocation(parse('oci-layout:./x'))).toBe(true);
    expect(isOciLocation(parse('dir:./x'))).toBe(false);
  });
});

describe('directory manifests', () => {
  it('are deterministic, sorted and free of duplicates', () => {
    const f = (p: string, c: string) => publishedTargetFile(p, sha(c), c.length);
    const a = directoryManifests([f('d/z.txt', 'z'), f('d/a.txt', 'a'), f('e/x', 'x')]);
    const b = directoryManifests([
      f('e/x', 'x'),
      f('d/a.txt', 'a'),
      f('d/z.txt', 'z'),
      f('d/a.txt', 'a'),
    ]);
    expect([...a.keys()].sort()).toEqual(['d', 'e']);
    expect(a.get('d')!.descriptor.digest).toBe(b.get('d')!.descriptor.digest);
    const layers = JSON.parse(Buffer.from(a.get('d')!.bytes).toString()).layers as {
      annotations: Record<string, string>;
    }[];
    expect(layers.map((l) => l.annotations['tuf.io/filename'])).toEqual(
      [`d/${sha('a')}.a.txt`, `d/${sha('z')}.z.txt`].sort(),
    );
  });
});

describe('pool and shared jobs', () => {
  it('stops starting jobs after the first failure and throws it', async () => {
    const started: number[] = [];
    const run = runPool([1, 2, 3, 4, 5, 6], 2, async (n) => {
      started.push(n);
      if (n === 2) throw new Error('boom');
    });
    await expect(run).rejects.toThrow('boom');
    expect(started.length).toBeLessThan(6);
  });

  it('runs a keyed job once for concurrent callers', async () => {
    const shared = new Shared<number>();
    let calls = 0;
    const job = async () => ++calls;
    expect(await Promise.all([shared.run('k', job), shared.run('k', job)])).toEqual([1, 1]);
  });
});

describe('OCI fetcher', () => {
  it('answers 404 for what is not published, as tuf-js expects', async () => {
    const store = await OciLayoutStore.open(mkdtempSync(join(tmpdir(), 'tufci-fetch-')));
    const fetcher = new OciFetcher({ metadata: store });
    await expect(
      fetcher.downloadBytes(`${OCI_METADATA_URL}2.root.json`, 100),
    ).rejects.toMatchObject({
      statusCode: 404,
    });
    await expect(fetcher.downloadBytes(`${OCI_TARGETS_URL}${H}.x`, 100)).rejects.toMatchObject({
      statusCode: 404,
    });
  });
});
