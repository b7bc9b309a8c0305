/**
 * Key identity is key material, not keyid. A role listing one key under two keyids (so one
 * key could meet a threshold of two) is refused where metadata is loaded, naming the role
 * and both keyids: by event update and status on an event, by online-sign and publish on
 * the default branch, and by verify (a pinned root, and a root the repository serves,
 * before tuf-js counts keyids). A new key listed under a keyid of its own choosing is
 * refused too. A repository made the way older tuf-on-ci made them (python-tuf, keys under
 * legacy keyids that are not the spec hash) is signed by its signers' key files, online
 * signed, published and verified, and keeps its keyids.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyFileSigner } from '../../lib/signers/keyfile.js';
import { serialize, signedBytes } from '../../lib/tuf/envelope.js';
import { keyId, tufKeyFromPublicPem } from '../../lib/tuf/keys.js';
import type { Envelope, RootSigned, TargetsSigned } from '../../lib/tuf/types.js';
import { ngclient, runPython } from '../helpers/python-tuf.js';
import type { DownloadedTarget } from '../helpers/python-tuf.js';
import { serveDir } from '../helpers/static-server.js';
import { PASS, World, git } from '../helpers/world.js';
import type { Clone } from '../helpers/world.js';

const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');
const specId = (c: Clone): string => keyId(tufKeyFromPublicPem(readFileSync(c.pubfile, 'utf8')));

/** Signs an envelope with a clone's key file under `keyid`, replacing its signatures. */
async function signAs(env: Envelope, c: Clone, keyid = specId(c)): Promise<void> {
  const signer = keyFileSigner(c.keyfile, () => Promise.resolve(PASS));
  env.signatures = [{ keyid, sig: await signer.sign(signedBytes(env)) }];
}

describe('one key under two keyids is refused everywhere', () => {
  const w = new World();
  const alice = w.clone('alice');
  const bob = w.clone('bob');
  const ci = w.ci();
  let aliceId = '';
  const legacyId = sha256('a legacy keyid for alice');
  let site = '';
  let dupRootFile = '';

  /** Both of alice's keyids and the role, as every refusal must name them. */
  const expectNamed = (err: string): void => {
    expect(err).toContain('role "targets" lists one key under two keyids');
    expect(err).toContain(aliceId);
    expect(err).toContain(legacyId);
    expect(err).not.toMatch(/\n\s+at /);
  };

  beforeAll(async () => {
    await w.bootstrap([alice, bob], 1);
    aliceId = specId(alice);
    w.sync(ci, 'main');
    site = join(w.root, 'site');
    const pub = await ci.tufci('publish', '--to', `dir:${site}`);
    expect(pub.code, pub.err).toBe(0);
    // root v2: alice's key also under a second keyid, targets threshold 2, signed by alice
    const root = JSON.parse(
      readFileSync(join(ci.dir, 'metadata/root.json'), 'utf8'),
    ) as Envelope<RootSigned>;
    root.signed.keys[legacyId] = { ...root.signed.keys[aliceId]! };
    root.signed.roles.targets!.keyids.push(legacyId);
    root.signed.roles.targets!.threshold = 2;
    root.signed.version = 2;
    await signAs(root, alice);
    dupRootFile = join(w.root, 'dup-root.json');
    writeFileSync(dupRootFile, serialize(root));
  }, 120_000);
  afterAll(() => w.cleanup());

  it('event update and status refuse it on an event, naming the role and both keyids', async () => {
    w.pushFiles(bob, 'sign/dup', { 'metadata/root.json': readFileSync(dupRootFile) });
    w.sync(ci, 'sign/dup');
    for (const args of [['event', 'update', '--push'], ['status']]) {
      const r = await ci.tufci(...args);
      expect(r.code, r.err).toBe(1);
      expect(r.err).toContain('metadata/root.json');
      expectNamed(r.err);
    }
    expect(git(ci.dir, 'status', '--porcelain')).toBe('');
  });

  it('verify refuses a served root and a pinned root that list it, before tuf-js', async () => {
    const served = join(w.root, 'site-served');
    cpSync(site, served, { recursive: true });
    writeFileSync(join(served, '2.root.json'), readFileSync(dupRootFile));
    const v = await ci.tufci(
      'verify',
      '--from',
      `dir:${served}`,
      '--root',
      join(site, '1.root.json'),
      '--no-cache',
    );
    expect(v.code, v.err).toBe(3);
    expect(v.err).toContain('2.root.json');
    expectNamed(v.err);
    const pinned = await ci.tufci('verify', '--from', `dir:${site}`, '--root', dupRootFile);
    expect(pinned.code, pinned.err).not.toBe(0);
    expect(pinned.code).not.toBe(70);
    expectNamed(pinned.err);
  });

  it('online-sign and publish refuse it on the default branch', async () => {
    git(bob.dir, 'push', '-qf', 'origin', 'sign/dup:refs/heads/main');
    w.sync(ci, 'main');
    for (const args of [
      ['online-sign', '--push'],
      ['publish', '--to', `dir:${join(w.root, 'site-dup')}`],
    ]) {
      const r = await ci.tufci(...args);
      expect(r.code, r.err).toBe(1);
      expectNamed(r.err);
    }
  });

  it('event update refuses a new key listed under a keyid that is not its spec keyid', async () => {
    w.sync(bob, 'main');
    git(bob.dir, 'reset', '-q', '--hard', 'HEAD~1'); // back before the duplicate
    git(bob.dir, 'push', '-qf', 'origin', 'HEAD:refs/heads/main');
    const carol = w.clone('carol');
    const path = join(bob.dir, 'metadata/root.json');
    const root = JSON.parse(readFileSync(path, 'utf8')) as Envelope<RootSigned>;
    const chosen = sha256('a keyid of my own choosing');
    root.signed.keys[chosen] = {
      ...tufKeyFromPublicPem(readFileSync(carol.pubfile, 'utf8')),
      'x-tuf-on-ci-keyowner': '@carol',
    };
    root.signed.roles.targets!.keyids.push(chosen);
    w.pushFiles(bob, 'sign/chosen-keyid', { 'metadata/root.json': serialize(root) });
    w.sync(ci, 'sign/chosen-keyid');
    const r = await ci.tufci('event', 'update', '--push');
    expect(r.code, r.err).toBe(1);
    expect(r.err).toContain(`metadata/root.json: key ${chosen}`);
    expect(r.err).toContain(`not its spec keyid (${specId(carol)})`);
  });
});

describe("a legacy-keyid repository (older tuf-on-ci's, as Sigstore's)", () => {
  const w = new World();
  const alice = w.clone('alice');
  const bob = w.clone('bob');
  const carol = w.clone('carol');
  const ci = w.ci();
  const keyids: Record<string, string> = {};

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
      root_threshold: 1,
      targets_signers: ['@alice', '@bob'],
      targets_threshold: 1,
      app_signer: '@bob',
      files: { 'existing.txt': 'made by tuf-on-ci\n', 'app/one.txt': 'app one\n' },
      legacy_keyids: true,
    });
    Object.assign(keyids, out);
    git(alice.dir, 'add', 'metadata', 'targets');
    git(alice.dir, 'commit', '-qm', 'legacy tuf-on-ci repository');
    git(alice.dir, 'push', '-q', 'origin', 'main');
  }, 60_000);
  afterAll(() => w.cleanup());

  it('lists keys under keyids that are not the spec hash', () => {
    const root = JSON.parse(git(w.remote, 'show', 'main:metadata/root.json')) as {
      signed: RootSigned;
    };
    for (const c of [alice, bob]) {
      expect(keyids[c.user]).not.toBe(specId(c));
      expect(root.signed.keys[keyids[c.user]!]).toMatchObject({
        'x-tuf-on-ci-keyowner': c.user,
        keyid_hash_algorithms: ['sha256', 'sha512'],
      });
      expect(root.signed.keys[specId(c)]).toBeUndefined();
    }
  });

  it("is signed by its signer's key file under the repository's keyid, then published and verified", async () => {
    w.pushFiles(alice, 'sign/legacy-add', { 'targets/new.txt': 'new\n' });
    w.sync(ci, 'sign/legacy-add');
    const up = await ci.tufci('event', 'update', '--push');
    expect(up.err).toBe('');
    expect(up.out).toContain('targets: version 2');
    const s = await alice.tufci('sign', 'sign/legacy-add', '--yes');
    expect(s.err).toBe('');
    expect(s.out).toContain('Signed targets');
    w.sync(ci, 'sign/legacy-add');
    const st = await ci.tufci('status', '--json');
    expect(st.err).toBe('');
    expect((JSON.parse(st.out) as { complete: boolean }).complete).toBe(true);
    const targets = JSON.parse(
      readFileSync(join(ci.dir, 'metadata/targets.json'), 'utf8'),
    ) as Envelope<TargetsSigned>;
    const signedBy = targets.signatures.filter((x) => x.sig).map((x) => x.keyid);
    expect(signedBy).toEqual([keyids['@alice']]);
    // the repository keeps its keyids: root is not touched by the event
    expect(git(ci.dir, 'diff', 'origin/main', '--', 'metadata/root.json')).toBe('');

    w.merge('sign/legacy-add');
    w.sync(ci, 'main');
    const on = await ci.tufci('online-sign', '--push');
    expect(on.err).toBe('');
    w.sync(ci, 'main');
    const snap = JSON.parse(
      readFileSync(join(ci.dir, 'metadata/snapshot.json'), 'utf8'),
    ) as Envelope;
    expect(snap.signatures.map((x) => x.keyid)).toEqual([keyids.online]);

    const site = join(w.root, 'site');
    const pub = await ci.tufci('publish', '--to', `dir:${site}`);
    expect(pub.err).toBe('');
    const out = join(w.root, 'new.out');
    const v = await ci.tufci(
      'verify',
      '--from',
      `dir:${site}`,
      '--root',
      join(site, '1.root.json'),
      '--no-cache',
      '--target',
      'new.txt',
      '--out',
      out,
    );
    expect(v.err).toBe('');
    expect(readFileSync(out, 'utf8')).toBe('new\n');
    const server = await serveDir(site);
    try {
      const res = await ngclient({
        trustedRoot: join(site, '1.root.json'),
        baseUrl: server.url,
        workDir: mkdtempSync(join(w.root, 'py-')),
        targets: ['new.txt', 'app/one.txt'],
      });
      expect(res.error).toBeUndefined();
      expect((res.targets['new.txt'] as DownloadedTarget).sha256).toBe(sha256('new\n'));
      expect((res.targets['app/one.txt'] as DownloadedTarget).sha256).toBe(sha256('app one\n'));
    } finally {
      await server.close();
    }
  });

  it('a root change keeps the legacy keyids: signed under them, a new signer added under the spec keyid', async () => {
    w.sync(alice, 'sign/legacy-invite');
    writeFileSync(
      join(alice.dir, 'metadata/.signing-event-state'),
      JSON.stringify({ invites: { '@carol': ['targets'] } }, null, 2),
    );
    git(alice.dir, 'add', 'metadata/.signing-event-state');
    git(alice.dir, 'commit', '-qm', 'invite @carol to targets');
    git(alice.dir, 'push', '-q', 'origin', 'HEAD:refs/heads/sign/legacy-invite');
    const c = await carol.tufci('sign', 'sign/legacy-invite', '--yes');
    expect(c.err).toBe('');
    expect(c.out).toContain('Accepted the invite');
    const a = await alice.tufci('sign', 'sign/legacy-invite', '--yes');
    expect(a.err).toBe('');
    expect(a.out).toContain('Signed root');
    w.sync(ci, 'sign/legacy-invite');
    const st = await ci.tufci('status', '--json');
    expect((JSON.parse(st.out) as { complete: boolean }).complete).toBe(true);
    const root = JSON.parse(
      readFileSync(join(ci.dir, 'metadata/root.json'), 'utf8'),
    ) as Envelope<RootSigned>;
    expect(root.signed.version).toBe(2);
    expect(root.signatures.filter((x) => x.sig).map((x) => x.keyid)).toEqual([keyids['@alice']]);
    expect(root.signed.roles.root!.keyids).toEqual([keyids['@alice'], keyids['@bob']]);
    expect(root.signed.roles.targets!.keyids).toEqual([
      keyids['@alice'],
      keyids['@bob'],
      specId(carol),
    ]);
    expect(root.signed.keys[keyids['@alice']!]!.keyid_hash_algorithms).toEqual([
      'sha256',
      'sha512',
    ]);

    w.merge('sign/legacy-invite');
    w.sync(ci, 'main');
    expect((await ci.tufci('online-sign', '--push')).code).toBe(0);
    w.sync(ci, 'main');
    const site = join(w.root, 'site-rotated');
    expect((await ci.tufci('publish', '--to', `dir:${site}`)).err).toBe('');
    const server = await serveDir(site);
    try {
      const res = await ngclient({
        trustedRoot: join(site, '1.root.json'),
        baseUrl: server.url,
        workDir: mkdtempSync(join(w.root, 'py-')),
        targets: ['new.txt'],
      });
      expect(res.error).toBeUndefined();
      expect(res.versions?.root).toBe(2);
      expect((res.targets['new.txt'] as DownloadedTarget).sha256).toBe(sha256('new\n'));
    } finally {
      await server.close();
    }
  });
});
