/**
 * `tufci mirror` between two real registries and an OCI layout: a repository with a
 * delegated role, target files and a signed registry artifact is published to registry
 * A, mirrored to registry B, exported to a layout and imported back into B; with A
 * stopped, `tufci verify` succeeds from B (repository, target, artifact through its
 * rewritten pointer). A re-run copies nothing; --check fails when the timestamp
 * expires before --interval; a source that does not verify is refused.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POINTER, RegistryClient, type Descriptor } from '../../lib/oci/index.js';
import { findPointers } from '../../lib/publish/oci-pointer.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { pushArtifact, randomData } from '../oci/support.js';
import { ngclient, type DownloadedTarget } from '../helpers/python-tuf.js';
import { serveDir } from '../helpers/static-server.js';
import { Fixture, ORAS, ok, tool } from '../oci-publish/support.js';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

const fx = new Fixture();
let a: TestRegistry;
let b: TestRegistry;
let web: Descriptor;
let src: string;
let layout: string;

beforeAll(async () => {
  [a, b] = await Promise.all([startRegistry(), startRegistry()]);
  const apps = new RegistryClient(a.host).repository('apps/web');
  web = (
    await pushArtifact(apps, {
      files: [{ name: 'app.bin', data: randomData(4096) }],
      tag: 'v1',
      artifactType: 'application/vnd.example.app',
    })
  ).descriptor;
  await fx.bootstrap('app');
  await fx.event({ 'a.txt': 'alpha\n', 'docs/b.txt': 'bravo\n', 'app/c.txt': 'charlie\n' });
  ok(
    'add-artifact',
    await fx.alice.tufci('add-artifact', 'sign/web', `oci://${a.host}/apps/web:v1`),
  );
  await fx.signEvent('sign/web');
  src = `oci://${a.host}/acme/tuf`;
  ok('publish', await fx.tufci('publish', '--to', src));
  layout = join(mkdtempSync(join(fx.w.root, 'export-')), 'tuf');
}, 120_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  fx.cleanup();
});

const mirror = (...args: string[]) => fx.tufci('mirror', ...args);
const cache = (): string => mkdtempSync(join(fx.w.root, 'cache-'));

describe('tufci mirror', () => {
  it('mirrors registry A to registry B after verifying A; pointers name B', async () => {
    const dst = `oci://${b.host}/mirror/tuf`;
    const r = ok('mirror', await mirror(src, dst, '--root', fx.root1));
    expect(r.out).toContain(`Verified ${src} (timestamp version`);
    expect(r.out).toContain(`Mirrored to ${dst}:`);
    expect(r.out).toContain('3 target files, 1 artifacts');
    expect(r.out).toMatch(/The destination's timestamp expires at \S+Z \(in /);

    const copied = new RegistryClient(b.host).repository('apps/web');
    expect((await copied.getManifest('v1')).descriptor.digest).toBe(web.digest);
    const pointers = await findPointers(copied, web.digest);
    expect(pointers.map((p) => p.metadata)).toEqual([dst]);
    expect(pointers[0]!.target).toBe('apps/web:v1');
    const listed = await copied.referrers(web.digest, { artifactType: POINTER.artifactType });
    expect(listed).toHaveLength(1);
  });

  it('a re-run copies nothing, trusting the root B already has', async () => {
    const r = ok('mirror again', await mirror(src, `oci://${b.host}/mirror/tuf`));
    expect(r.out).toContain(`from oci://${b.host}/mirror/tuf's 1.root.json`);
    expect(r.out).toContain('is up to date');
    expect(r.out).toContain('Copied 0 manifests and 0 blobs (0 bytes)');
  });

  it('--check fails when the timestamp expires before --interval', async () => {
    const dst = `oci://${b.host}/mirror/tuf`;
    ok('check 1h', await mirror(src, dst, '--check', '--interval', '1h'));
    const late = await mirror(src, dst, '--check', '--interval', '30d');
    expect(late.code).toBe(1);
    expect(late.err).toContain('before the next run (--interval 30d)');
    const bad = await mirror(src, dst, '--check', '--interval', 'soon');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--interval "soon"');
  });

  it('exports to a layout (a new destination needs --root) and imports it into B', async () => {
    const out = `oci-layout:${layout}`;
    const refused = await mirror(src, out);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('holds no TUF repository yet');
    ok('export', await mirror(src, out, '--root', fx.root1));
    const back = `oci://${b.host}/back/tuf`;
    ok('import', await mirror(out, back, '--root', fx.root1));
    ok(
      'verify layout',
      await fx.tufci('verify', '--from', out, '--root', fx.root1, '--cache', cache()),
    );
  });

  it('after one change, a re-run copies only the changed file and the metadata that changed', async () => {
    await fx.event({ 'a.txt': 'alpha v2\n' });
    ok('publish change', await fx.tufci('publish', '--to', src));
    const r = ok('mirror change', await mirror(src, `oci://${b.host}/mirror/tuf`));
    // a.txt's blob and manifest; targets, snapshot and timestamp; then latest
    expect(r.out).toContain('Copied 2 manifests and 4 blobs');
    ok(
      'verify change',
      await fx.tufci(
        'verify',
        '--from',
        `oci://${b.host}/mirror/tuf`,
        '--root',
        fx.root1,
        '--target',
        'a.txt',
        '--cache',
        cache(),
      ),
    );
  });

  it('an interrupted mirror leaves no latest at the destination; a re-run completes it', async () => {
    const proxy = await startFaultProxy(b.url);
    try {
      proxy.failMatching(
        (method, url) => method === 'PUT' && url.endsWith('/manifests/latest'),
        { status: 500 },
        100,
      );
      const cut = await mirror(src, `oci://${proxy.host}/int/tuf`, '--root', fx.root1);
      expect(cut.code).toBe(4);
      expect(proxy.requests.some((r) => r.url.endsWith('/manifests/latest'))).toBe(true);
    } finally {
      await proxy.close();
    }
    const dst = new RegistryClient(b.host).repository('int/tuf');
    expect(await dst.listTags()).not.toContain('latest');
    const again = ok('re-run', await mirror(src, `oci://${b.host}/int/tuf`, '--root', fx.root1));
    // latest, and the artifact's pointer now naming oci://B/… instead of the proxy's host
    expect(again.out).toContain('Copied 2 manifests and 0 blobs');
    expect(await dst.listTags()).toContain('latest');
  });

  it('mirrors into a registry that needs credentials, given as flags', async () => {
    const auth = await startRegistry({ auth: { username: 'mirror', password: 's3cret' } });
    try {
      const passFile = join(fx.w.root, 'mirror-pass');
      writeFileSync(passFile, 's3cret\n');
      const dst = `oci://${auth.host}/acme/tuf`;
      const denied = await mirror(src, dst, '--root', fx.root1);
      expect(denied.code).toBe(4);
      const flags = ['--registry-username', 'mirror', '--registry-password-file', passFile];
      const r = ok('mirror with auth', await mirror(src, dst, '--root', fx.root1, ...flags));
      expect(r.out).toContain(`Mirrored to ${dst}`);
      expect(r.out + r.err).not.toContain('s3cret');
    } finally {
      await auth.stop();
    }
  });

  it('refuses a tampered source (a metadata blob changed in a layout), copying nothing', async () => {
    const copy = join(mkdtempSync(join(fx.w.root, 'tampered-')), 'tuf');
    cpSync(layout, copy, { recursive: true });
    const latest = JSON.parse(readFileSync(join(copy, 'index.json'), 'utf8')) as {
      manifests: { digest: string; annotations?: Record<string, string> }[];
    };
    const entry = latest.manifests.find(
      (m) => m.annotations?.['org.opencontainers.image.ref.name'] === 'latest',
    )!;
    const blob = (d: string): string => join(copy, 'blobs', 'sha256', d.slice('sha256:'.length));
    const manifest = JSON.parse(readFileSync(blob(entry.digest), 'utf8')) as {
      layers: { digest: string; annotations: Record<string, string> }[];
    };
    const targets = manifest.layers.find((l) =>
      /^\d+\.targets\.json$/.test(l.annotations['tuf.io/filename']!),
    )!;
    const bytes = readFileSync(blob(targets.digest));
    bytes[bytes.length - 2] = bytes[bytes.length - 2]! ^ 1;
    writeFileSync(blob(targets.digest), bytes);
    const dst = `oci-layout:${join(fx.w.root, 'from-tampered')}`;
    const r = await mirror(`oci-layout:${copy}`, dst, '--root', fx.root1);
    expect(r.code).toBe(3);
    expect(r.err).toContain('tampered');
    const written = JSON.parse(
      readFileSync(join(fx.w.root, 'from-tampered', 'index.json'), 'utf8'),
    );
    expect(written.manifests).toEqual([]);
  });

  it('refuses a source that does not verify against the given root, copying nothing', async () => {
    const other = new Fixture();
    try {
      await other.bootstrap();
      other.w.sync(other.ci, 'main');
      const dst = `oci://${b.host}/refused/tuf`;
      const r = await mirror(src, dst, '--root', other.root1);
      expect(r.code).toBe(3);
      expect(r.err).toContain('verification failed');
      expect(
        await new RegistryClient(b.host)
          .repository('refused/tuf')
          .listTags()
          .catch(() => []),
      ).toEqual([]);
    } finally {
      other.cleanup();
    }
  });

  it('with registry A stopped, B verifies: repository, target, artifact by digest', async () => {
    await a.stop();
    for (const repo of ['mirror/tuf', 'back/tuf']) {
      const from = `oci://${b.host}/${repo}`;
      const r = ok(
        `verify ${repo}`,
        await fx.tufci(
          'verify',
          '--from',
          from,
          '--root',
          fx.root1,
          '--target',
          'app/c.txt',
          '--cache',
          cache(),
        ),
      );
      expect(r.out).toContain('Target "app/c.txt" verified');
    }
    const art = ok(
      'verify artifact',
      await fx.tufci(
        'verify',
        `oci://${b.host}/apps/web@${web.digest}`,
        '--root',
        fx.root1,
        '--cache',
        cache(),
      ),
    );
    expect(art.out).toContain(`is signed as target "apps/web:v1" in oci://${b.host}/`);
  });
  it('with registry A stopped, python-tuf verifies what oras pulls from B', async () => {
    const repo = `${b.host}/mirror/tuf`;
    const env = { HOME: fx.w.root, DOCKER_CONFIG: join(fx.w.root, '.oras') };
    const oras = (...args: string[]) => tool(ORAS, [...args, '--plain-http'], env);
    const site = mkdtempSync(join(fx.w.root, 'site-'));
    await oras('pull', `${repo}:latest`, '-o', site);
    await oras('pull', `${repo}:app`, '-o', site);
    const files = { 'a.txt': 'alpha v2\n', 'docs/b.txt': 'bravo\n', 'app/c.txt': 'charlie\n' };
    for (const tag of ['docs', 'app', `${sha256(files['a.txt'])}.a.txt`])
      await oras('pull', `${repo}/targets:${tag}`, '-o', join(site, 'targets'));
    const server = await serveDir(site);
    try {
      const res = await ngclient({
        trustedRoot: fx.root1,
        baseUrl: server.url,
        workDir: mkdtempSync(join(fx.w.root, 'py-')),
        targets: Object.keys(files),
      });
      expect(res.error).toBeUndefined();
      for (const [path, content] of Object.entries(files))
        expect((res.targets[path] as DownloadedTarget).sha256, path).toBe(sha256(content));
    } finally {
      await server.close();
    }
  });
});
