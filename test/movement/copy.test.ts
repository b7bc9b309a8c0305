/**
 * Movement, scenario 2: `tufci copy SRC DST --event sign/NAME` copies a registry artifact
 * into the destination's registry (digest unchanged) and signs it in the destination's own
 * signing event; the destination verifies it with the source registry stopped. With
 * `--source-root` the artifact is verified at the source first, and one that does not
 * verify is refused with nothing copied. Two real docker-registry instances: the source
 * open, the destination behind htpasswd.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, type Descriptor } from '../../lib/oci/index.js';
import type { Envelope, TargetsSigned } from '../../lib/tuf/types.js';
import { readFileSync } from 'node:fs';
import { pushArtifact, randomData } from '../oci/support.js';
import { Fixture, ok, type Result } from '../oci-publish/support.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

const USER = 'dst-user';
const SECRET = 'dst secret';

describe('tufci copy: the destination signs a copied artifact', () => {
  const source = new Fixture();
  const dest = new Fixture();
  let src: TestRegistry;
  let dst: TestRegistry;
  let web: Descriptor;
  let unsigned: Descriptor;
  const env = (): Record<string, string | undefined> => ({
    ...dest.w.env,
    TUFCI_REGISTRY_USERNAME: USER,
    TUFCI_REGISTRY_PASSWORD: SECRET,
  });
  const inDest = (...args: string[]): Promise<Result> =>
    dest.alice.tufciWith({ env: env() }, ...args);
  const dstRepo = (name: string) =>
    new RegistryClient(dst.host, { credentials: { username: USER, password: SECRET } }).repository(
      name,
    );

  beforeAll(async () => {
    [src, dst] = await Promise.all([
      startRegistry(),
      startRegistry({ auth: { username: USER, password: SECRET } }),
    ]);
    const apps = new RegistryClient(src.host).repository('apps/web');
    web = (
      await pushArtifact(apps, {
        files: [
          { name: 'app.bin', data: randomData(4096) },
          { name: 'notes.txt', data: randomData(300) },
        ],
        tag: 'v1',
        artifactType: 'application/vnd.example.app',
      })
    ).descriptor;
    unsigned = (
      await pushArtifact(new RegistryClient(src.host).repository('apps/other'), {
        files: [{ name: 'other.bin', data: randomData(1000) }],
        tag: 'v1',
      })
    ).descriptor;
    // the source signs apps/web:v1 in its own TUF repository on the source registry
    await source.bootstrap();
    ok(
      'add-artifact',
      await source.alice.tufci('add-artifact', 'sign/web', `oci://${src.host}/apps/web:v1`),
    );
    await source.signEvent('sign/web');
    ok('publish', await source.tufci('publish', '--to', `oci://${src.host}/acme/tuf`));
    await dest.bootstrap();
  }, 240_000);

  afterAll(async () => {
    await Promise.all([src?.stop(), dst?.stop()]);
    source.cleanup();
    dest.cleanup();
  });

  it('copies from a registry with no TUF into the destination registry and its signing event', async () => {
    const r = await inDest(
      'copy',
      `oci://${src.host}/apps/other:v1`,
      `oci://${dst.host}/apps/other:v1`,
      '--event',
      'sign/copy-other',
    );
    expect(r.err).toBe('');
    expect(r.out).toContain(`Copied oci://${src.host}/apps/other:v1 to ${dst.host}/apps/other:v1`);
    expect(r.out).toContain(`Added target "apps/other:v1" in role targets: ${unsigned.digest}`);
    // the digest and the tag are at the destination
    const got = await dstRepo('apps/other').getManifest('v1');
    expect(got.descriptor.digest).toBe(unsigned.digest);
    expect(dest.w.remoteRef('sign/copy-other')).toBeDefined();
  });

  it('--source-root verifies at the source first, then the copy is signed and published', async () => {
    const r = await inDest(
      'copy',
      `oci://${src.host}/apps/web:v1`,
      `oci://${dst.host}/apps/web:v1`,
      '--event',
      'sign/copy-web',
      '--source-root',
      source.root1,
      '--no-cache',
    );
    expect(r.err).toBe('');
    expect(r.out).toContain(`Verified oci://${src.host}/apps/web:v1: ${web.digest}`);
    expect(r.out).toContain('Copied');
    await dest.signEvent('sign/copy-web');
    const targets = JSON.parse(
      readFileSync(join(dest.ci.dir, 'metadata/targets.json'), 'utf8'),
    ) as Envelope<TargetsSigned>;
    const entry = targets.signed.targets['apps/web:v1']!;
    expect(entry.hashes.sha256).toBe(web.digest.slice('sha256:'.length));
    const pub = await dest.tufciWith(
      { env: env() },
      'publish',
      '--to',
      `oci://${dst.host}/acme/tuf`,
    );
    expect(pub.code, pub.err).toBe(0);

    await src.stop();
    const v = await dest.tufciWith(
      { env: env() },
      'verify',
      `oci://${dst.host}/apps/web@${web.digest}`,
      '--from',
      `oci://${dst.host}/acme/tuf`,
      '--root',
      dest.root1,
      '--no-cache',
    );
    expect(v.err).toBe('');
    expect(v.code).toBe(0);
    expect(v.out).toContain(`is signed as target "apps/web:v1" in oci://${dst.host}/acme/tuf`);
  });
});

describe('tufci copy refuses what it cannot sign', () => {
  const source = new Fixture();
  const dest = new Fixture();
  let src: TestRegistry;
  let dst: TestRegistry;
  let other: Descriptor;

  beforeAll(async () => {
    [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
    other = (
      await pushArtifact(new RegistryClient(src.host).repository('apps/other'), {
        files: [{ name: 'other.bin', data: randomData(500) }],
        tag: 'v1',
      })
    ).descriptor;
    await Promise.all([source.bootstrap(), dest.bootstrap()]);
    // the source's TUF repository signs nothing from apps/
    source.w.sync(source.ci, 'main');
    ok('publish', await source.tufci('publish', '--to', `oci://${src.host}/acme/tuf`));
  }, 240_000);
  afterAll(async () => {
    await Promise.all([src?.stop(), dst?.stop()]);
    source.cleanup();
    dest.cleanup();
  });

  it('an artifact that does not verify against --source-root: exit 3, nothing copied, no event', async () => {
    const r = await dest.alice.tufci(
      'copy',
      `oci://${src.host}/apps/other:v1`,
      `oci://${dst.host}/apps/other:v1`,
      '--event',
      'sign/bad',
      '--source-root',
      source.root1,
      '--source-from',
      `oci://${src.host}/acme/tuf`,
      '--no-cache',
    );
    expect(r.code).toBe(3);
    expect(r.err).toMatch(
      /^error: oci:\/\/.*apps\/other:v1 \(sha256:[0-9a-f]{64}\) is not verified/,
    );
    expect(r.err).not.toMatch(/^\s+at /m);
    await expect(
      new RegistryClient(dst.host).repository('apps/other').getManifest(other.digest),
    ).rejects.toThrow();
    expect(dest.w.remoteRef('sign/bad')).toBeUndefined();
  });

  it('outside a TUF repository: says how to create one', async () => {
    const r = await dest.alice.tufciWith(
      { cwd: dest.w.root },
      'copy',
      `oci://${src.host}/apps/other:v1`,
      `oci://${dst.host}/apps/other:v1`,
      '--event',
      'sign/x',
    );
    expect(r.code).toBe(1);
    expect(r.err).toContain('no TUF repository here');
    expect(r.err).toContain('tufci init');
  });

  it('a destination digest other than the source digest, a layout destination, --source-from alone', async () => {
    const wrong = `sha256:${'0'.repeat(64)}`;
    const a = await dest.alice.tufci(
      'copy',
      `oci://${src.host}/apps/other:v1`,
      `oci://${dst.host}/apps/other@${wrong}`,
      '--event',
      'sign/x',
    );
    expect(a.code).toBe(1);
    expect(a.err).toContain(`names ${wrong}, but the source is ${other.digest}`);
    const b = await dest.alice.tufci(
      'copy',
      `oci://${src.host}/apps/other:v1`,
      `oci-layout:${dest.w.root}/out`,
      '--event',
      'sign/x',
    );
    expect(b.code).toBe(1);
    expect(b.err).toContain('the destination is a registry');
    const c = await dest.alice.tufci(
      'copy',
      `oci://${src.host}/apps/other:v1`,
      `oci://${dst.host}/apps/other:v1`,
      '--event',
      'sign/x',
      '--source-from',
      `oci://${src.host}/acme/tuf`,
    );
    expect(c.code).toBe(2);
    expect(c.err).toContain('--source-from');
  });
});
