/**
 * Movement, scenario 1 (`tufci mirror`) beyond the basic flow of test/e2e/mirror.test.ts,
 * with real docker-registry instances: A (open, the source), B and C each behind its own
 * htpasswd user. The referrers fallback tag (docker-registry 2.8 has no referrers API)
 * carries pointers at the source and the mirror; credentials per registry through a
 * per-host docker config and through --source-*; an air gap through one tar file
 * (mirrored in, the directory gone, mirrored out into C and verified there, read by
 * skopeo); a source whose timestamp has expired is refused; a mirror killed midway
 * leaves the destination whole (every blob its tags name is there, and a TUF client
 * still verifies it), and a re-run completes; `tufci verify` from a layout with every
 * registry stopped.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  POINTER,
  RegistryClient,
  type Descriptor,
  type RegistryOptions,
} from '../../lib/oci/index.js';
import { findPointers } from '../../lib/publish/oci-pointer.js';
import { tufci as builtTufci } from '../helpers/built-cli.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { pushArtifact, randomData } from '../oci/support.js';
import { Fixture, ORAS, SKOPEO, ok, tool } from '../oci-publish/support.js';
import { missingContent } from './support.js';

const BUSER = { username: 'bee', password: 'b-secret' };
const CUSER = { username: 'sea', password: 'c-secret' };
const hex = (d: string): string => d.slice('sha256:'.length);

const fx = new Fixture();
let a: TestRegistry;
let b: TestRegistry;
let c: TestRegistry;
let web: Descriptor;
let src: string;
const work = (name: string): string => mkdtempSync(join(fx.w.root, `${name}-`));
const client = (r: TestRegistry, creds?: RegistryOptions['credentials']): RegistryClient =>
  new RegistryClient(r.host, creds ? { credentials: creds } : {});

/** ~/.docker/config.json (HOME is the World's root) with one entry per host. */
function dockerConfig(entries: Record<string, { username: string; password: string }>): void {
  mkdirSync(join(fx.w.root, '.docker'), { recursive: true });
  const auths = Object.fromEntries(
    Object.entries(entries).map(([host, e]) => [
      host,
      { auth: Buffer.from(`${e.username}:${e.password}`).toString('base64') },
    ]),
  );
  writeFileSync(join(fx.w.root, '.docker', 'config.json'), JSON.stringify({ auths }));
}
const noDockerConfig = (): void =>
  rmSync(join(fx.w.root, '.docker'), { recursive: true, force: true });

beforeAll(async () => {
  [a, b, c] = await Promise.all([
    startRegistry(),
    startRegistry({ auth: BUSER }),
    startRegistry({ auth: CUSER }),
  ]);
  web = (
    await pushArtifact(client(a).repository('apps/web'), {
      files: [{ name: 'app.bin', data: randomData(3000) }],
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
}, 180_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
  fx.cleanup();
});

const mirror = (...args: string[]) => fx.tufci('mirror', ...args);

describe('tufci mirror: registries, credentials, air gap, expiry, interruption', () => {
  it('without a referrers API, pointers are in the fallback tag sha256-<hex>, at the source and at the mirror', async () => {
    // docker-registry 2.8 has no referrers API: clients must use the fallback tag
    const api = await fetch(`${a.url}/v2/apps/web/referrers/${web.digest}`);
    expect(api.status).toBe(404);
    const fallback = `sha256-${hex(web.digest)}`;
    const at = client(a).repository('apps/web');
    expect(await at.listTags()).toContain(fallback);
    const index = JSON.parse(Buffer.from((await at.getManifest(fallback)).bytes).toString()) as {
      manifests: Descriptor[];
    };
    expect(index.manifests.map((m) => m.artifactType)).toContain(POINTER.artifactType);
    expect((await findPointers(at, web.digest)).map((p) => p.metadata)).toEqual([src]);

    dockerConfig({ [b.host]: BUSER });
    const dst = `oci://${b.host}/mirror/tuf`;
    ok('mirror', await mirror(src, dst, '--root', fx.root1));
    const there = client(b, BUSER).repository('apps/web');
    expect(await there.listTags()).toContain(fallback);
    const pointers = await findPointers(there, web.digest);
    expect(pointers.map((p) => p.metadata)).toEqual([dst]);
    // an independent client finds it there the same way
    const found = await tool(ORAS, [
      'discover',
      '--plain-http',
      '--username',
      BUSER.username,
      '--password',
      BUSER.password,
      '--format',
      'json',
      `${b.host}/apps/web@${web.digest}`,
    ]);
    expect(found).toContain(POINTER.artifactType);
  });

  it('credentials per registry: B to C with two users, from a per-host docker config or --source-*', async () => {
    const from = `oci://${b.host}/mirror/tuf`;
    const to = `oci://${c.host}/acme/tuf`;
    dockerConfig({ [b.host]: BUSER });
    const denied = await mirror(from, to, '--root', fx.root1);
    expect(denied.code).toBe(4);
    expect(denied.err).toContain(
      `error: ${c.host} refused access (HTTP 401, no valid credentials; the destination registry): give its credentials with --registry-username/--registry-password-file or in ~/.docker/config.json for ${c.host}.`,
    );
    expect(
      await client(c, CUSER)
        .repository('acme/tuf')
        .listTags()
        .catch(() => []),
    ).toEqual([]);

    dockerConfig({ [b.host]: BUSER, [c.host]: CUSER });
    const r = ok('mirror B to C', await mirror(from, to, '--root', fx.root1));
    expect(r.out).toContain(`Mirrored to ${to}`);
    expect(
      (await client(c, CUSER).repository('apps/web').getManifest('v1')).descriptor.digest,
    ).toBe(web.digest);

    // no docker config: the source's own flags, and --registry-* for the destination only
    noDockerConfig();
    const pass = (name: string, secret: string): string => {
      const f = join(fx.w.root, name);
      writeFileSync(f, `${secret}\n`);
      return f;
    };
    const flags = [
      '--source-username',
      BUSER.username,
      '--source-password-file',
      pass('b-pass', BUSER.password),
      '--registry-username',
      CUSER.username,
      '--registry-password-file',
      pass('c-pass', CUSER.password),
    ];
    const again = ok('mirror with flags', await mirror(from, to, ...flags));
    expect(again.out).toContain('is up to date');
    const wrong = await mirror(
      from,
      to,
      ...flags.slice(0, 3),
      pass('bad', 'nope'),
      ...flags.slice(4),
    );
    expect(wrong.code).toBe(4);
    expect(wrong.err).toContain(
      `${b.host} refused access (HTTP 401, no valid credentials; the source registry): give its credentials with --source-username/--source-password-file`,
    );
    expect(wrong.err).not.toMatch(/^\s+at /m);
    const misplaced = await mirror(`oci-layout:${work('x')}`, to, '--source-username', 'u');
    expect(misplaced.code).toBe(2);
    expect(misplaced.err).toContain('--source-username');
  });

  it('air gap through one tar: mirrored in, the directory gone, mirrored out into C, verified there', async () => {
    dockerConfig({ [b.host]: BUSER, [c.host]: CUSER });
    const carry = work('carry');
    const tar = join(carry, 'tuf.tar');
    const archive = `oci-archive:${tar}`;
    const r = ok('export', await mirror(`oci://${b.host}/mirror/tuf`, archive, '--root', fx.root1));
    expect(r.out).toContain(`Mirrored to ${archive}`);
    // a plain tar of an OCI layout, the layout at its root: tar and skopeo read it
    const listed = await tool('tar', ['-tf', tar]);
    expect(listed.split('\n')).toEqual(expect.arrayContaining(['index.json', 'oci-layout']));
    expect(listed).toContain('artifacts/apps/web/index.json');
    const raw = await tool(SKOPEO, ['inspect', '--raw', `oci-archive:${tar}:latest`]);
    expect(JSON.parse(raw).layers.length).toBeGreaterThan(0);
    // mirrored again unchanged: the file is not rewritten
    const before = statSync(tar).mtimeMs;
    expect(ok('export again', await mirror(`oci://${b.host}/mirror/tuf`, archive)).out).toContain(
      'is up to date',
    );
    expect(statSync(tar).mtimeMs).toBe(before);
    // nothing but the tar crosses the gap
    expect(existsSync(join(carry, 'index.json'))).toBe(false);
    const inside = join(work('inside'), 'tuf.tar');
    writeFileSync(inside, readFileSync(tar));
    rmSync(carry, { recursive: true });
    const to = `oci://${c.host}/inside/tuf`;
    ok('import', await mirror(`oci-archive:${inside}`, to, '--root', fx.root1));
    noDockerConfig();
    const creds = {
      ...fx.w.env,
      TUFCI_REGISTRY_USERNAME: CUSER.username,
      TUFCI_REGISTRY_PASSWORD: CUSER.password,
    };
    const v = await fx.tufciWith(
      { env: creds },
      'verify',
      `oci://${c.host}/apps/web@${web.digest}`,
      '--from',
      to,
      '--root',
      fx.root1,
      '--no-cache',
    );
    expect(v.err).toBe('');
    expect(v.out).toContain(`is signed as target "apps/web:v1" in ${to}`);
    const t = await fx.tufciWith(
      { env: creds },
      'verify',
      '--from',
      to,
      '--root',
      fx.root1,
      '--target',
      'app/c.txt',
      '--no-cache',
    );
    expect(t.out).toContain('Target "app/c.txt" verified');

    // a damaged archive is refused before anything is copied
    const broken = join(work('broken'), 'tuf.tar');
    writeFileSync(broken, readFileSync(inside).subarray(0, 700));
    const bad = await mirror(
      `oci-archive:${broken}`,
      `oci-layout:${work('nowhere')}/x`,
      '--root',
      fx.root1,
    );
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(
      /tuf\.tar: the archive ends inside (an entry|a header) \(truncated at \d+\)/,
    );
    const gone = await mirror(`oci-archive:${join(fx.w.root, 'absent.tar')}`, to);
    expect(gone.code).toBe(1);
    expect(gone.err).toContain('no such archive');
  });

  it('a mirror killed midway leaves B whole and verifiable; a re-run completes it', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 8; i++) files[`batch/f${i}.txt`] = `file ${i} ${'x'.repeat(2000 + i)}\n`;
    await fx.event(files);
    ok('publish change', await fx.tufci('publish', '--to', src));
    dockerConfig({ [b.host]: BUSER });
    const dst = client(b, BUSER);
    const before = await dst.repository('mirror/tuf').headManifest('latest');
    const proxy = await startFaultProxy(b.url);
    let killed = false;
    let uploads = 0;
    try {
      dockerConfig({ [b.host]: BUSER, [proxy.host]: BUSER });
      const child = spawn(
        process.execPath,
        [resolve('build/signer-cli/main.js'), 'mirror', src, `oci://${proxy.host}/mirror/tuf`],
        { cwd: fx.ci.dir, env: fx.w.env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      // the third blob upload: the process dies, its request unanswered
      proxy.failMatching(
        (method, url) => {
          if (method !== 'PUT' || !url.includes('/blobs/uploads/')) return false;
          if (++uploads < 3) return false;
          killed = child.kill('SIGKILL');
          return true;
        },
        { destroy: true },
        1,
      );
      const code = await exited;
      expect(
        killed,
        `exit ${code}: ${output}\n${proxy.requests.map((r) => `${r.method} ${r.url} ${r.status}`).join('\n')}`,
      ).toBe(true);
    } finally {
      await proxy.close();
    }
    expect(killed).toBe(true);
    // B: latest unchanged, every blob and manifest that any tag names is there
    expect((await dst.repository('mirror/tuf').headManifest('latest'))?.digest).toBe(
      before?.digest,
    );
    for (const repo of ['mirror/tuf', 'mirror/tuf/targets', 'apps/web'])
      expect(await missingContent(dst.repository(repo)), repo).toEqual([]);
    const creds = {
      ...fx.w.env,
      TUFCI_REGISTRY_USERNAME: BUSER.username,
      TUFCI_REGISTRY_PASSWORD: BUSER.password,
    };
    const verify = (target: string) =>
      builtTufci(
        fx.ci.dir,
        creds,
        'verify',
        '--from',
        `oci://${b.host}/mirror/tuf`,
        '--root',
        fx.root1,
        '--target',
        target,
        '--no-cache',
      );
    expect((await verify('a.txt')).code).toBe(0);
    expect((await verify('batch/f0.txt')).err).toContain('batch/f0.txt');

    const again = await builtTufci(
      fx.ci.dir,
      fx.w.env,
      'mirror',
      src,
      `oci://${b.host}/mirror/tuf`,
    );
    expect(again.code, again.err).toBe(0);
    expect(again.out).toContain('Mirrored to');
    for (const repo of ['mirror/tuf', 'mirror/tuf/targets'])
      expect(await missingContent(dst.repository(repo)), repo).toEqual([]);
    const v = await verify('batch/f7.txt');
    expect(v.err).toBe('');
    expect(v.out).toContain('Target "batch/f7.txt" verified');
  });

  it('a source whose timestamp has expired is refused, nothing copied', async () => {
    // the online key signs a timestamp 10 days ago: it expired since (clients use the real clock)
    const past = new Date(Date.now() - 10 * 86_400_000);
    fx.w.pushFiles(fx.alice, 'sign/stale', { 'targets/stale.txt': 'stale\n' });
    fx.w.sync(fx.ci, 'sign/stale');
    ok('event update', await fx.ci.tufci('event', 'update', '--push'));
    ok('sign', await fx.alice.tufci('sign', 'sign/stale', '--yes'));
    fx.merge('sign/stale');
    fx.w.sync(fx.ci, 'main');
    ok('online-sign', await fx.ci.tufciWith({ now: () => past }, 'online-sign', '--push'));
    fx.w.sync(fx.ci, 'main');
    const stale = `oci://${a.host}/stale/tuf`;
    const pub = await fx.tufciWith({ now: () => past }, 'publish', '--to', stale);
    expect(await client(a).repository('stale/tuf').listTags(), pub.err).toContain('latest');
    const ts = JSON.parse(readFileSync(join(fx.ci.dir, 'metadata', 'timestamp.json'), 'utf8')) as {
      signed: { expires: string };
    };
    expect(new Date(ts.signed.expires).getTime()).toBeLessThan(Date.now());

    const dst = `oci-layout:${join(work('expired'), 'tuf')}`;
    const r = await mirror(stale, dst, '--root', fx.root1);
    expect(r.code).toBe(3);
    expect(r.err).toContain(`error: ${stale}: verification failed: timestamp.json`);
    expect(r.err).toMatch(/expired/i);
    expect(r.err).not.toMatch(/^\s+at /m);
    const index = JSON.parse(
      readFileSync(join(dst.slice('oci-layout:'.length), 'index.json'), 'utf8'),
    );
    expect(index.manifests).toEqual([]);
    // into a mirror that has a fresher copy: refused the same, the mirror left as it was
    dockerConfig({ [b.host]: BUSER });
    const held = await client(b, BUSER).repository('mirror/tuf').headManifest('latest');
    const into = await mirror(stale, `oci://${b.host}/mirror/tuf`, '--root', fx.root1);
    expect(into.code).toBe(3);
    expect((await client(b, BUSER).repository('mirror/tuf').headManifest('latest'))?.digest).toBe(
      held?.digest,
    );
  });

  it('with every registry stopped, tufci verify reads a layout exported from B (no network at all)', async () => {
    const dir = join(work('offline'), 'tuf');
    dockerConfig({ [b.host]: BUSER });
    ok(
      'export',
      await mirror(`oci://${b.host}/mirror/tuf`, `oci-layout:${dir}`, '--root', fx.root1),
    );
    await Promise.all([a.stop(), b.stop(), c.stop()]);
    const from = `oci-layout:${dir}`;
    const art = await fx.tufci(
      'verify',
      `oci-layout:${join(dir, 'artifacts', 'apps', 'web')}@${web.digest}`,
      '--from',
      from,
      '--root',
      fx.root1,
      '--no-cache',
    );
    expect(art.err).toBe('');
    expect(art.out).toContain('is signed as target "apps/web:v1"');
    const out = join(fx.w.root, 'f3.txt');
    const t = await fx.tufci(
      'verify',
      '--from',
      from,
      '--root',
      fx.root1,
      '--target',
      'batch/f3.txt',
      '--out',
      out,
      '--no-cache',
    );
    expect(t.err).toBe('');
    expect(createHash('sha256').update(readFileSync(out)).digest('hex')).toBe(
      createHash('sha256')
        .update(`file 3 ${'x'.repeat(2003)}\n`)
        .digest('hex'),
    );
  });
});
