/**
 * Signing an artifact that lives in a registry: `add-artifact` records its descriptor
 * in a signing event, publish attaches an unsigned pointer referrer (found by oras
 * discover through the fallback tag), and `verify oci://…@sha256:…` with a pinned root
 * succeeds, or fails with a clear reason: unsigned digest, tampered blob, rollback,
 * expired metadata, a pointer to another repository's metadata, a foreign pinned root.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  POINTER,
  RegistryClient,
  type Descriptor,
  type RegistryRepository,
} from '../../lib/oci/index.js';
import { OciPublisher } from '../../lib/publish/oci.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { pushArtifact, randomData } from '../oci/support.js';
import { Fixture, ORAS, SKOPEO, ociExtension as ociExt, ok, tool } from './support.js';

let registry: TestRegistry;
let host: string;
let apps: RegistryRepository;
let web: Descriptor;
const fx = new Fixture();

/** Publishes `f`'s main to `repo` without pointers (the lib, not the CLI). */
async function publishTo(f: Fixture, repo: string): Promise<void> {
  const client = new RegistryClient(host);
  await new OciPublisher(`oci://${host}/${repo}`, {
    metadata: client.repository(repo),
    targets: client.repository(`${repo}/targets`),
  }).publish(f.tree());
}

/** Signs `reference` in a new event of `f` and merges it. */
async function signArtifact(f: Fixture, event: string, reference: string): Promise<string> {
  const add = ok(
    'add-artifact',
    await f.alice.tufciWith(ociExt(), 'add-artifact', event, reference),
  );
  await f.signEvent(event);
  return add.out;
}

const verify = (...args: string[]) => fx.tufci('verify', ...args, '--root', fx.root1);
const cache = (): string => mkdtempSync(join(fx.w.root, 'cache-'));

beforeAll(async () => {
  registry = await startRegistry();
  host = registry.host;
  apps = new RegistryClient(host).repository('apps/web');
  web = (
    await pushArtifact(apps, {
      files: [{ name: 'app.bin', data: randomData(2048) }],
      tag: 'v1',
      artifactType: 'application/vnd.example.app',
    })
  ).descriptor;
  await fx.bootstrap();
});
afterAll(async () => {
  await registry?.stop();
  fx.cleanup();
});

describe('signing and verifying a registry artifact', () => {
  it('add-artifact records the descriptor; publish attaches a pointer', async () => {
    const out = await signArtifact(fx, 'sign/web', `oci://${host}/apps/web:v1`);
    expect(out).toContain(`Added target "apps/web:v1" in role targets: ${web.digest}`);
    const targets = JSON.parse(readFileSync(join(fx.ci.dir, 'metadata', 'targets.json'), 'utf8'));
    expect(targets.signed.targets['apps/web:v1']).toEqual({
      length: web.size,
      hashes: { sha256: web.digest.slice('sha256:'.length) },
      custom: {
        oci: { mediaType: web.mediaType, digest: web.digest, size: web.size },
        'x-tufci-oci-source': `${host}/apps/web`,
      },
    });
    const pub = ok('publish', await fx.tufci('publish', '--to', `oci://${host}/acme/tuf`));
    expect(pub.out).toContain(
      `pointer for "apps/web:v1": attached on ${host}/apps/web@${web.digest}`,
    );
    const again = ok('publish again', await fx.tufci('publish', '--to', `oci://${host}/acme/tuf`));
    expect(again.out).toContain('pointer for "apps/web:v1": present');

    const found = JSON.parse(
      await tool(
        ORAS,
        ['discover', '--plain-http', '--format', 'json', `${host}/apps/web@${web.digest}`],
        {
          HOME: fx.w.root,
        },
      ),
    ) as { manifests: { artifactType: string; annotations?: Record<string, string> }[] };
    expect(found.manifests).toHaveLength(1);
    expect(found.manifests[0]!.artifactType).toBe(POINTER.artifactType);
    expect(found.manifests[0]!.annotations).toMatchObject({
      [POINTER.metadataAnnotation]: `oci://${host}/acme/tuf`,
      [POINTER.targetAnnotation]: 'apps/web:v1',
    });
  });

  it('verifies by digest and by tag through the pointer, or with --from', async () => {
    const byDigest = ok(
      'verify digest',
      await verify(`oci://${host}/apps/web@${web.digest}`, '--cache', cache()),
    );
    expect(byDigest.out).toContain(
      `is signed as target "apps/web:v1" in oci://${host}/acme/tuf (timestamp version`,
    );
    ok('verify tag', await verify(`${host}/apps/web:v1`, '--cache', cache()));
    const from = ok(
      'verify --from',
      await verify(
        `oci://${host}/apps/web@${web.digest}`,
        '--from',
        `oci://${host}/acme/tuf`,
        '--cache',
        cache(),
      ),
    );
    expect(from.out).toContain('signed as target "apps/web:v1"');
  });

  it('verifies air-gapped: artifact and metadata carried as OCI layout directories', async () => {
    const carried = mkdtempSync(join(fx.w.root, 'airgap-'));
    await tool(SKOPEO, [
      'copy',
      '--src-tls-verify=false',
      `docker://${host}/apps/web@${web.digest}`,
      `oci:${join(carried, 'web')}:v1`,
    ]);
    ok('publish layout', await fx.tufci('publish', '--to', `oci-layout:${join(carried, 'tuf')}`));
    const r = ok(
      'verify offline',
      await verify(
        `oci-layout:${join(carried, 'web')}@${web.digest}`,
        '--from',
        `oci-layout:${join(carried, 'tuf')}`,
        '--cache',
        cache(),
      ),
    );
    expect(r.out).toContain(`${web.digest} (${web.size} bytes, ${web.mediaType}) is signed`);
  });

  it('refuses a digest that is not signed', async () => {
    const v2 = (
      await pushArtifact(apps, { files: [{ name: 'x', data: randomData(10) }], tag: 'v2' })
    ).descriptor;
    const none = await verify(`oci://${host}/apps/web@${v2.digest}`);
    expect(none.code).toBe(1);
    expect(none.err).toContain(`no TUF pointer is attached to ${v2.digest}`);
    const from = await verify(
      `oci://${host}/apps/web:v2`,
      '--from',
      `oci://${host}/acme/tuf`,
      '--cache',
      cache(),
    );
    expect(from.code).toBe(1);
    expect(from.err).toContain(`${v2.digest} is not signed in oci://${host}/acme/tuf`);
    expect(from.err).toContain('no target of the signed metadata has this digest');
    // The signed tag moved to other content: verifying the tag checks what it names now.
    await apps.putManifest((await apps.getManifest(v2.digest)).bytes, { tag: 'moved' });
    const moved = await verify(
      `oci://${host}/apps/web:moved`,
      '--from',
      `oci://${host}/acme/tuf`,
      '--cache',
      cache(),
    );
    expect(moved.code).toBe(1);
  });

  it('refuses a pointer to another repository, and a pinned root of another repository', async () => {
    const other = await new Fixture().bootstrap();
    try {
      const api = new RegistryClient(host).repository('apps/api');
      await pushArtifact(api, { files: [{ name: 'api', data: randomData(64) }], tag: 'v1' });
      await signArtifact(other, 'sign/api', `oci://${host}/apps/api:v1`);
      ok('publish other', await other.tufci('publish', '--to', `oci://${host}/acme/other`));
      const r = await verify(`oci://${host}/apps/api:v1`, '--cache', cache());
      expect(r.code).toBe(1);
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
      expect(foreign.code).toBe(1);
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
      join(registry.dir, 'data/docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
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
    expect(t.code).toBe(1);
    expect(t.err).toContain('target "file.txt" failed verification');
    expect(t.err).toMatch(/digest|hash/);

    const targetsJson = tree.entries.find((e) => e.path.endsWith('.targets.json'))!;
    // Same length, one byte changed: only the digest tells.
    writeFileSync(
      blob(targetsJson.sha256),
      targetsJson.bytes.toString().replace('"length"', '"lengtH"'),
    );
    const m = await verify(
      `oci://${host}/apps/web@${web.digest}`,
      '--from',
      `oci://${host}/acme/tampered`,
      '--cache',
      cache(),
    );
    expect(m.code).toBe(1);
    expect(m.err).toContain('a blob does not match its digest');
    // Put the bytes back: blobs are shared by every repository of the registry.
    writeFileSync(blob(file.sha256), file.bytes);
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
    expect(r.code).toBe(1);
    expect(r.err).toContain('a version went backwards (rollback to older metadata)');
  });

  it('refuses expired metadata', async () => {
    // Online signing 30 days ago: timestamp and snapshot expired since.
    fx.w.now = new Date(fx.w.now.getTime() - 30 * 86_400_000);
    await fx.event({ 'file.txt': 'signed long ago\n' });
    await publishTo(fx, 'acme/expired');
    const r = await verify(
      `oci://${host}/apps/web@${web.digest}`,
      '--from',
      `oci://${host}/acme/expired`,
      '--cache',
      cache(),
    );
    expect(r.code).toBe(1);
    expect(r.err).toContain('metadata has expired');
  });
});
