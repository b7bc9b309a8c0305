/**
 * Verifying a registry artifact fails, with a clear reason, for: a digest that is not
 * signed, a pointer to another repository's metadata, a pinned root of another
 * repository, tampered blobs, a rollback to older metadata, expired metadata.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, type Descriptor, type RegistryRepository } from '../../lib/oci/index.js';
import type { MetadataEntry, TargetEntry } from '../../lib/publish/tree.js';
import { pushArtifact, randomData } from '../oci/support.js';
import { ArtifactWorld } from './artifact-world.js';
import { Fixture, ok } from './support.js';

const aw = new ArtifactWorld();
const { fx } = aw;
let host: string;
let apps: RegistryRepository;
let web: Descriptor;
const verify = (...args: string[]) => aw.verify(...args);
/** Verifies `artifact` against the metadata repository `repo` on the test registry, with a fresh client cache. */
const verifyFrom = (artifact: string, repo: string) =>
  verify(artifact, '--from', `oci://${host}/${repo}`, '--cache', cache());
const cache = (): string => aw.cache();
const publishTo = (f: Fixture, repo: string) => aw.publishTo(f, repo);
const signArtifact = (f: Fixture, event: string, ref: string) => aw.signArtifact(f, event, ref);

beforeAll(async () => {
  await aw.start();
  ({ host, apps, web } = aw);
  await aw.signArtifact(fx, 'sign/web', `oci://${host}/apps/web:v1`);
  ok('publish', await fx.tufci('publish', '--to', `oci://${host}/acme/tuf`));
});
afterAll(() => aw.stop());

describe('refusing what does not verify', () => {
  it('refuses a digest that is not signed', async () => {
    const v2 = (
      await pushArtifact(apps, { files: [{ name: 'x', data: randomData(10) }], tag: 'v2' })
    ).descriptor;
    const none = await verify(`oci://${host}/apps/web@${v2.digest}`);
    expect(none.code).toBe(3);
    expect(none.err).toContain(`no TUF pointer is attached to ${v2.digest}`);
    const from = await verifyFrom(`oci://${host}/apps/web:v2`, 'acme/tuf');
    expect(from.code).toBe(3);
    expect(from.err).toContain(`${v2.digest} is not signed in oci://${host}/acme/tuf`);
    expect(from.err).toContain('no target of the signed metadata has this digest');
    // The signed tag moved to other content: verifying the tag checks what it names now.
    await apps.putManifest((await apps.getManifest(v2.digest)).bytes, { tag: 'moved' });
    const moved = await verifyFrom(`oci://${host}/apps/web:moved`, 'acme/tuf');
    expect(moved.code).toBe(3);
  });

  it('refuses a pointer to another repository, and a pinned root of another repository', async () => {
    const other = await new Fixture().bootstrap();
    try {
      const api = new RegistryClient(host).repository('apps/api');
      await pushArtifact(api, { files: [{ name: 'api', data: randomData(64) }], tag: 'v1' });
      await signArtifact(other, 'sign/api', `oci://${host}/apps/api:v1`);
      ok('publish other', await other.tufci('publish', '--to', `oci://${host}/acme/other`));
      const r = await verify(`oci://${host}/apps/api:v1`, '--cache', cache());
      expect(r.code).toBe(3);
      expect(r.err).toContain(`pointer sha256:`);
      expect(r.err).toContain(`(metadata oci://${host}/acme/other, target "apps/api:v1")`);
      expect(r.err).toContain(`the pinned root does not match this repository's 1.root.json`);

      const foreign = await fx.tufci(
        'verify',
        `oci://${host}/apps/web@${web.digest}`,
        '--root',
        other.root1,
        '--cache',
        cache(),
      );
      expect(foreign.code).toBe(3);
      expect(foreign.err).toContain(`the pinned root does not match this repository's 1.root.json`);
      expect(foreign.err).toContain('signatures do not meet the threshold');
    } finally {
      other.cleanup();
    }
  });

  it('refuses tampered metadata and a tampered target', async () => {
    await fx.event({ 'file.txt': 'a file\n' });
    await publishTo(fx, 'acme/tampered');
    const blob = (hex: string): string =>
      join(aw.registry.dir, 'data/docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
    const tree = fx.tree();
    const file = tree.entries.find((e) => e.name === 'file.txt')!;
    writeFileSync(blob(file.sha256), 'A FILE\n');
    const t = await fx.tufci(
      'verify',
      '--from',
      `oci://${host}/acme/tampered`,
      '--root',
      fx.root1,
      '--target',
      'file.txt',
      '--cache',
      cache(),
    );
    expect(t.code).toBe(3);
    expect(t.err).toContain('target "file.txt": ');
    expect(t.err).toContain('a blob does not match its digest');
    expect(t.err).toMatch(/digest|hash/);

    const targetsJson = tree.entries.find((e) => e.path.endsWith('.targets.json')) as MetadataEntry;
    // Same length, one byte changed: only the digest tells.
    writeFileSync(
      blob(targetsJson.sha256),
      targetsJson.bytes.toString().replace('"length"', '"lengtH"'),
    );
    const m = await verifyFrom(`oci://${host}/apps/web@${web.digest}`, 'acme/tampered');
    expect(m.code).toBe(3);
    expect(m.err).toContain('a blob does not match its digest');
    // Put the bytes back: blobs are shared by every repository of the registry.
    writeFileSync(blob(file.sha256), readFileSync((file as TargetEntry).file));
    writeFileSync(blob(targetsJson.sha256), targetsJson.bytes);
  });

  it('refuses a rollback to older metadata', async () => {
    const dir = cache();
    await publishTo(fx, 'acme/rb');
    const meta = new RegistryClient(host).repository('acme/rb');
    const old = await meta.getManifest('latest');
    ok(
      'verify v1',
      await verify(
        `oci://${host}/apps/web@${web.digest}`,
        '--from',
        `oci://${host}/acme/rb`,
        '--cache',
        dir,
      ),
    );
    await fx.event({ 'file.txt': 'a file v2\n' });
    await publishTo(fx, 'acme/rb');
    ok(
      'verify v2',
      await verify(
        `oci://${host}/apps/web@${web.digest}`,
        '--from',
        `oci://${host}/acme/rb`,
        '--cache',
        dir,
      ),
    );
    await meta.putManifest(old.bytes, { tag: 'latest' });
    const r = await verify(
      `oci://${host}/apps/web@${web.digest}`,
      '--from',
      `oci://${host}/acme/rb`,
      '--cache',
      dir,
    );
    expect(r.code).toBe(3);
    expect(r.err).toContain('a version went backwards (rollback to older metadata)');
  });

  it('refuses expired metadata', async () => {
    // Online signing 30 days ago: timestamp and snapshot expired since.
    fx.w.now = new Date(fx.w.now.getTime() - 30 * 86_400_000);
    await fx.event({ 'file.txt': 'signed long ago\n' });
    await publishTo(fx, 'acme/expired');
    const r = await verifyFrom(`oci://${host}/apps/web@${web.digest}`, 'acme/expired');
    expect(r.code).toBe(3);
    expect(r.err).toContain('metadata has expired');
  });
});
