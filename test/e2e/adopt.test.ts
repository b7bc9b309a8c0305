/**
 * Adopting a repository that follows tuf-on-ci's conventions, as is: python-tuf
 * builds it (keys generated here, tuf-on-ci's custom fields, its JSON style,
 * root_history, a delegated role, an empty-signature placeholder), and tufci
 * then runs an artifact event, an invite from tuf-on-ci's .signing-event-state,
 * online signing, publishing and verification (tuf-js and python-tuf) on it. An event
 * tuf-on-ci opened (placeholders, its formatting, other file modes) is left as it is.
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyId, tufKeyFromPublicPem } from '../../lib/tuf/keys.js';
import { ngclient, runPython } from '../helpers/python-tuf.js';
import type { DownloadedTarget } from '../helpers/python-tuf.js';
import { serveDir } from '../helpers/static-server.js';
import { PASS, World, git } from '../helpers/world.js';
import type { Clone } from '../helpers/world.js';

const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

interface Status {
  complete: boolean;
  invites: Record<string, string[]>;
  roles: {
    role: string;
    version: number;
    complete: boolean;
    current: { signedCount: number; met: boolean };
    previous?: { signedCount: number; met: boolean };
  }[];
  changes: { role: string; added: { path: string }[]; modified: { path: string }[] }[];
}

describe('adopting a tuf-on-ci repository', () => {
  const w = new World();
  const alice = w.clone('alice');
  const bob = w.clone('bob');
  const carol = w.clone('carol');
  const ci = w.ci();
  const keyids: Record<string, string> = {};

  const status = async (event: string): Promise<Status> => {
    w.sync(ci, event);
    const r = await ci.tufci('status', '--json');
    expect(r.err).toBe('');
    return JSON.parse(r.out) as Status;
  };
  const sign = async (c: Clone, event: string): Promise<string> => {
    const r = await c.tufci('sign', event, '--yes');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    return r.out;
  };
  /** Publishes main, then checks targets with tuf-js and python-tuf, both pinned to tuf-on-ci's 1.root.json. */
  const publishAndVerify = async (name: string, files: Record<string, string>, root: number) => {
    w.sync(ci, 'main');
    const site = join(w.root, name);
    const pub = await ci.tufci('publish', '--to', `dir:${site}`);
    expect(pub.err).toBe('');
    for (const [path, content] of Object.entries(files)) {
      const out = join(w.root, `${name}.out`);
      const v = await ci.tufci('verify', '--from', `dir:${site}`, '--target', path, '--out', out);
      expect(v.err).toBe('');
      expect(readFileSync(out, 'utf8')).toBe(content);
    }
    const server = await serveDir(site);
    try {
      const res = await ngclient({
        trustedRoot: join(site, '1.root.json'),
        baseUrl: server.url,
        workDir: mkdtempSync(join(w.root, 'py-')),
        targets: Object.keys(files),
      });
      expect(res.error).toBeUndefined();
      expect(res.versions?.root).toBe(root);
      for (const [path, content] of Object.entries(files))
        expect((res.targets[path] as DownloadedTarget).sha256, path).toBe(sha256(content));
    } finally {
      await server.close();
    }
  };

  beforeAll(async () => {
    const out = await runPython<Record<string, string>>('tuf_on_ci_repo.py', {
      dir: alice.dir,
      now: w.now.toISOString(),
      passphrase: PASS,
      signers: Object.fromEntries(
        [alice, bob].map((c) => [c.user, readFileSync(c.keyfile, 'utf8')]),
      ),
      online_pem: w.onlineKeyPem,
      online_uri: 'envvar:TUFCI_ONLINE_KEY',
      root_signers: ['@alice', '@bob'],
      root_threshold: 2,
      targets_signers: ['@alice', '@bob'],
      targets_threshold: 1,
      app_signer: '@bob',
      files: { 'existing.txt': 'made by tuf-on-ci\n', 'app/one.txt': 'app one\n' },
    });
    Object.assign(keyids, out);
    git(alice.dir, 'add', 'metadata', 'targets');
    git(alice.dir, 'commit', '-qm', 'tuf-on-ci repository');
    git(alice.dir, 'push', '-q', 'origin', 'main');
  }, 60_000);
  afterAll(() => w.cleanup());

  it('the hand-built repository looks like tuf-on-ci made it', () => {
    const text = git(w.remote, 'show', 'main:metadata/root.json');
    expect(text.startsWith('{\n "signatures": [\n  {\n')).toBe(true);
    const root = JSON.parse(text);
    expect(root.signed['x-tuf-on-ci-expiry-period']).toBe(365);
    expect(root.signed.roles.timestamp).toMatchObject({
      'x-tuf-on-ci-expiry-period': 2,
      'x-tuf-on-ci-signing-period': 1,
    });
    expect(root.signed.keys[keyids.online!]['x-tuf-on-ci-online-uri']).toBe(
      'envvar:TUFCI_ONLINE_KEY',
    );
    // python-tuf computed the same spec keyids we do
    for (const c of [alice, bob]) {
      const id = keyId(tufKeyFromPublicPem(readFileSync(c.pubfile, 'utf8')));
      expect(keyids[c.user]).toBe(id);
      expect(root.signed.keys[id]['x-tuf-on-ci-keyowner']).toBe(c.user);
    }
    const targets = JSON.parse(git(w.remote, 'show', 'main:metadata/targets.json'));
    expect(targets.signatures).toContainEqual({ keyid: keyids['@bob'], sig: '' });
    const snapshot = JSON.parse(git(w.remote, 'show', 'main:metadata/snapshot.json'));
    expect(snapshot.signed.meta['targets.json']).toEqual({ version: 1 });
  });

  it('publishes and verifies the adopted repository as it is', async () => {
    await publishAndVerify(
      'site-adopted',
      { 'existing.txt': 'made by tuf-on-ci\n', 'app/one.txt': 'app one\n' },
      1,
    );
  });

  it('runs an artifact event in targets/ and targets/app/', async () => {
    w.pushFiles(alice, 'sign/adopt-add', {
      'targets/existing.txt': 'changed by tufci\n',
      'targets/new.txt': 'new\n',
      'targets/app/two.txt': 'app two\n',
    });
    w.sync(ci, 'sign/adopt-add');
    const up = await ci.tufci('event', 'update', '--push');
    expect(up.err).toBe('');
    expect(up.out).toContain('targets: version 2');
    expect(up.out).toContain('app: version 2');

    const s0 = await status('sign/adopt-add');
    expect(s0.roles.map((r) => [r.role, r.version, r.complete])).toEqual([
      ['targets', 2, false],
      ['app', 2, false],
    ]);
    const t = s0.changes.find((c) => c.role === 'targets')!;
    expect(t.added.map((a) => a.path)).toEqual(['new.txt']);
    expect(t.modified.map((a) => a.path)).toEqual(['existing.txt']);
    expect(s0.changes.find((c) => c.role === 'app')!.added.map((a) => a.path)).toEqual([
      'app/two.txt',
    ]);
    // expiry comes from tuf-on-ci's period field on targets (365 days)
    const targets = JSON.parse(readFileSync(join(ci.dir, 'metadata/targets.json'), 'utf8'));
    expect(new Date(targets.signed.expires).getTime() - w.now.getTime()).toBe(365 * 86_400_000);
    expect(targets.signed['x-tuf-on-ci-signing-period']).toBe(60);

    expect(await sign(alice, 'sign/adopt-add')).toContain('Signed targets');
    const s1 = await status('sign/adopt-add');
    expect(s1.roles.find((r) => r.role === 'targets')!.complete).toBe(true);
    expect(s1.complete).toBe(false);
    // bob also signs targets (any targets signer may add a signature), and app
    expect(await sign(bob, 'sign/adopt-add')).toContain('Signed targets, app.');
    expect((await status('sign/adopt-add')).complete).toBe(true);

    w.merge('sign/adopt-add');
    w.sync(ci, 'main');
    const on = await ci.tufci('online-sign', '--push');
    expect(on.err).toBe('');
    expect(on.out).toContain('re-signing snapshot: content changed');
    w.sync(ci, 'main');
    const snap = JSON.parse(readFileSync(join(ci.dir, 'metadata/snapshot.json'), 'utf8'));
    expect(snap.signed.version).toBe(2);
    expect(snap.signed.meta['app.json']).toMatchObject({ version: 2, hashes: expect.any(Object) });

    await publishAndVerify(
      'site-event',
      { 'existing.txt': 'changed by tufci\n', 'new.txt': 'new\n', 'app/two.txt': 'app two\n' },
      1,
    );
  });

  it("accepts an invite from tuf-on-ci's .signing-event-state and rotates root", async () => {
    w.sync(alice, 'sign/invite-carol');
    writeFileSync(
      join(alice.dir, 'metadata/.signing-event-state'),
      JSON.stringify({ invites: { '@carol': ['targets'] } }, null, 2),
    );
    git(alice.dir, 'add', 'metadata/.signing-event-state');
    git(alice.dir, 'commit', '-qm', 'invite @carol to targets');
    git(alice.dir, 'push', '-q', 'origin', 'HEAD:refs/heads/sign/invite-carol');

    const s0 = await status('sign/invite-carol');
    expect(s0.invites).toEqual({ '@carol': ['targets'] });
    expect(s0.complete).toBe(false);

    const c = await carol.tufci('sign', 'sign/invite-carol', '--yes');
    expect(c.err).toBe('');
    expect(c.out).toContain('Accepted the invite');
    const s1 = await status('sign/invite-carol');
    expect(s1.invites).toEqual({});
    const root1 = s1.roles.find((r) => r.role === 'root')!;
    expect(root1).toMatchObject({ version: 2, complete: false });
    expect(root1.previous).toMatchObject({ signedCount: 0, met: false });
    const rootJson = JSON.parse(readFileSync(join(ci.dir, 'metadata/root.json'), 'utf8'));
    const carolId = keyId(tufKeyFromPublicPem(readFileSync(carol.pubfile, 'utf8')));
    expect(rootJson.signed.keys[carolId]['x-tuf-on-ci-keyowner']).toBe('@carol');
    expect(rootJson.signed.roles.targets.keyids).toContain(carolId);
    // tuf-on-ci's period fields survive the rewrite
    expect(rootJson.signed['x-tuf-on-ci-expiry-period']).toBe(365);

    await sign(alice, 'sign/invite-carol');
    expect((await status('sign/invite-carol')).complete).toBe(false);
    await sign(bob, 'sign/invite-carol');
    const s2 = await status('sign/invite-carol');
    expect(s2.complete).toBe(true);

    const known = git(w.remote, 'show', 'main:metadata/root_history/1.root.json');
    w.merge('sign/invite-carol');
    expect(git(w.remote, 'show', 'main:metadata/root_history/1.root.json')).toBe(known);
    w.sync(ci, 'main');
    expect((await ci.tufci('online-sign', '--push')).code).toBe(0);
    await publishAndVerify('site-rotated', { 'new.txt': 'new\n' }, 2);
  });

  /** Bytes and permission bits of every file under metadata/ (root_history included). */
  const metadataFiles = (dir: string): Map<string, string> => {
    const files = new Map<string, string>();
    for (const name of readdirSync(join(dir, 'metadata'), { recursive: true }) as string[]) {
      const path = join(dir, 'metadata', name);
      if (!statSync(path).isFile()) continue;
      const mode = (statSync(path).mode & 0o777).toString(8);
      files.set(name, `${mode} ${sha256(readFileSync(path))}`);
    }
    return files;
  };

  it('leaves a tuf-on-ci event as it is: placeholders, its JSON style, file modes', async () => {
    const event = 'sign/tuf-on-ci-event';
    w.sync(alice, 'main');
    git(alice.dir, 'checkout', '-qB', event);
    const carolId = keyId(tufKeyFromPublicPem(readFileSync(carol.pubfile, 'utf8')));
    // tuf-on-ci's signer tool: a new target, targets bumped and signed by alice, and an
    // empty placeholder for each other targets signer
    await runPython('tuf_on_ci_event.py', {
      dir: alice.dir,
      role: 'targets',
      now: w.now.toISOString(),
      expiry_days: 365,
      passphrase: PASS,
      signer: readFileSync(alice.keyfile, 'utf8'),
      placeholders: [keyids['@bob'], carolId],
      files: { 'toc.txt': 'from a tuf-on-ci event\n' },
    });
    git(alice.dir, 'add', 'metadata', 'targets');
    git(alice.dir, 'commit', '-qm', 'tuf-on-ci signing event');
    git(alice.dir, 'push', '-q', 'origin', `HEAD:refs/heads/${event}`);
    const pushed = w.remoteRef(event);

    w.sync(ci, event);
    const targetsFile = join(ci.dir, 'metadata/targets.json');
    const text = readFileSync(targetsFile, 'utf8');
    expect(text.startsWith('{\n "signatures": [\n')).toBe(true); // indent 1, as python-tuf writes
    expect(JSON.parse(text).signatures).toContainEqual({ keyid: carolId, sig: '' });
    chmodSync(targetsFile, 0o664);
    chmodSync(join(ci.dir, 'metadata/root.json'), 0o600);
    const before = metadataFiles(ci.dir);

    const up = await ci.tufci('event', 'update', '--push');
    expect(up.err).toBe('');
    expect(up.code).toBe(0);
    expect(up.out).not.toMatch(/dropped|signature/);
    expect(metadataFiles(ci.dir)).toEqual(before);
    expect(w.remoteRef(event)).toBe(pushed);
    expect(git(ci.dir, 'status', '--porcelain')).toBe('');
    const st = await status(event);
    expect(st.roles.find((r) => r.role === 'targets')).toMatchObject({
      version: 3,
      complete: true,
    });

    // a change in app/ rewrites app.json (its version is bumped) and nothing else; the
    // rewritten file keeps its mode
    w.pushFiles(alice, event, { 'targets/app/three.txt': 'app three\n' });
    w.sync(ci, event);
    const appFile = join(ci.dir, 'metadata/app.json');
    chmodSync(appFile, 0o664);
    chmodSync(targetsFile, 0o664);
    const before2 = metadataFiles(ci.dir);
    const up2 = await ci.tufci('event', 'update', '--push');
    expect(up2.err).toBe('');
    expect(up2.out).toContain('app: version 3');
    expect(up2.out).not.toMatch(/dropped/);
    const after2 = metadataFiles(ci.dir);
    expect(after2.get('app.json')).not.toBe(before2.get('app.json'));
    expect(after2.get('app.json')?.split(' ')[0]).toBe('664');
    after2.delete('app.json');
    before2.delete('app.json');
    expect(after2).toEqual(before2);
  });
});
