/**
 * Movement, scenario 2: `tufci copy SRC DST --event sign/NAME` copies a registry artifact
 * into the destination's registry (digest unchanged) and signs it in the destination's own
 * signing event; the destination verifies it with the source registry stopped. With
 * `--source-root` the artifact is verified at the source first, and one that does not
 * verify is refused with nothing copied. Two real docker-registry instances: the source
 * open, the destination behind htpasswd.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, type Descriptor } from '../../lib/oci/index.js';
import type { Envelope, TargetsSigned } from '../../lib/tuf/types.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { ngclient, type DownloadedTarget } from '../helpers/python-tuf.js';
import { serveDir } from '../helpers/static-server.js';
import { pushArtifact, randomData } from '../oci/support.js';
import { Fixture, ORAS, ok, tool, type Result } from '../oci-publish/support.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { missingContent } from './support.js';

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

  it('with the source stopped, python-tuf verifies the copy from what oras pulls from the destination', async () => {
    const site = mkdtempSync(join(dest.w.root, 'site-'));
    const env = { HOME: dest.w.root, DOCKER_CONFIG: join(dest.w.root, '.oras') };
    const login = ['--plain-http', '--username', USER, '--password', SECRET];
    await tool(ORAS, ['pull', `${dst.host}/acme/tuf:latest`, '-o', site, ...login], env);
    // the target's bytes are the manifest, fetched from the destination by digest
    const manifest = (await dstRepo('apps/web').getManifest(web.digest)).bytes;
    const hex = web.digest.slice('sha256:'.length);
    mkdirSync(join(site, 'targets', 'apps'), { recursive: true });
    const file = join(site, 'targets', 'apps', `${hex}.web:v1`);
    const server = await serveDir(site);
    try {
      const run = () =>
        ngclient({
          trustedRoot: dest.root1,
          baseUrl: server.url,
          workDir: mkdtempSync(join(dest.w.root, 'py-')),
          targets: ['apps/web:v1'],
        });
      // other bytes under the name are refused
      writeFileSync(file, Buffer.concat([Buffer.from(manifest), Buffer.from(' ')]).subarray(1));
      const refused = await run();
      expect(refused.error).toBeUndefined();
      expect(refused.targets['apps/web:v1']).toHaveProperty('error');
      writeFileSync(file, manifest);
      const res = await run();
      expect(res.error).toBeUndefined();
      const got = res.targets['apps/web:v1'] as DownloadedTarget;
      expect(got.sha256).toBe(hex);
      expect(got.length).toBe(manifest.length);
    } finally {
      await server.close();
    }
  });

  it('exported to a layout, the copy verifies with no registry running at all', async () => {
    const dir = join(mkdtempSync(join(dest.w.root, 'export-')), 'tuf');
    const out = await dest.tufciWith(
      { env: env() },
      'mirror',
      `oci://${dst.host}/acme/tuf`,
      `oci-layout:${dir}`,
      '--root',
      dest.root1,
    );
    expect(out.err).toBe('');
    expect(out.out).toContain('1 artifacts');
    await dst.stop();
    const v = await dest.tufci(
      'verify',
      `oci-layout:${join(dir, 'artifacts', 'apps', 'web')}@${web.digest}`,
      '--from',
      `oci-layout:${dir}`,
      '--root',
      dest.root1,
      '--no-cache',
    );
    expect(v.err).toBe('');
    expect(v.out).toContain(`is signed as target "apps/web:v1" in oci-layout:${dir}`);
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

  it('a copy killed midway leaves no tag naming missing blobs and no event; a re-run completes', async () => {
    const big = (
      await pushArtifact(new RegistryClient(src.host).repository('apps/big'), {
        files: [1, 2, 3, 4, 5].map((i) => ({ name: `part${i}.bin`, data: randomData(2000 + i) })),
        tag: 'v1',
      })
    ).descriptor;
    const proxy = await startFaultProxy(dst.url);
    let uploads = 0;
    let killed = false;
    try {
      const child = spawn(
        process.execPath,
        [
          resolve('build/signer-cli/main.js'),
          'copy',
          `oci://${src.host}/apps/big:v1`,
          `oci://${proxy.host}/apps/big:v1`,
          '--event',
          'sign/big',
        ],
        { cwd: dest.alice.dir, env: dest.w.env as NodeJS.ProcessEnv, stdio: 'ignore' },
      );
      const exited = new Promise<void>((r) => child.on('exit', () => r()));
      // the third blob upload: the process dies, its request unanswered
      proxy.failMatching(
        (method, url) => {
          if (method !== 'PUT' || !url.includes('/blobs/uploads/') || ++uploads < 3) return false;
          killed = child.kill('SIGKILL');
          return true;
        },
        { destroy: true },
      );
      await exited;
    } finally {
      await proxy.close();
    }
    expect(killed).toBe(true);
    const there = new RegistryClient(dst.host).repository('apps/big');
    expect(await there.headManifest(big.digest)).toBeUndefined();
    expect(await missingContent(there)).toEqual([]);
    expect(dest.w.remoteRef('sign/big')).toBeUndefined();

    const again = await dest.alice.tufci(
      'copy',
      `oci://${src.host}/apps/big:v1`,
      `oci://${dst.host}/apps/big:v1`,
      '--event',
      'sign/big',
    );
    expect(again.err).toBe('');
    expect(again.out).toMatch(
      /Copied .*: sha256:[0-9a-f]{64} \(1 manifest\(s\), \d+ blob\(s\) sent, [1-9]\d* already there\)/,
    );
    expect((await there.getManifest('v1')).descriptor.digest).toBe(big.digest);
    expect(await missingContent(there)).toEqual([]);
    expect(dest.w.remoteRef('sign/big')).toBeDefined();
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
