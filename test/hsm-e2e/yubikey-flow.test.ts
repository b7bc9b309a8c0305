/**
 * A repository's life signed only with tokens, on a real bare git remote: two
 * signers with YubiKeys (SoftHSM2 stand-ins with a P-256 key in PIV slot 9c, one
 * SoftHSM per token so a person "plugs in" a token), and a CI-attached HSM holding the
 * online key, named in root by a `pkcs11:` URI.
 *
 * - init with a YubiKey; the second signer accepts the invite with theirs;
 * - snapshot and timestamp signed online through the pkcs11: URI;
 * - a 2-of-2 artifact event signed by the two tokens;
 * - root rotation to a new YubiKey, which needs the new and the previous threshold;
 * - the old YubiKey refused afterwards, naming both keyids;
 * - tuf-js (`tufci verify`) and python-tuf's ngclient verify each published state;
 * - no private key material anywhere on disk: the work trees, git objects, and the
 *   temp dirs (TMPDIR points at a sandbox for the whole file).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DownloadedTarget } from '../helpers/python-tuf.js';
import { inspectPublished, ngclient } from '../helpers/python-tuf.js';
import { serveDir } from '../helpers/static-server.js';
import { git, World } from '../helpers/world.js';
import {
  changedFiles,
  filesWithKeyMaterial,
  gitObjects,
  keyMaterialIn,
  snapshotFiles,
} from './disk.js';
import {
  cleanupTokens,
  type ImportedKey,
  ok,
  onlineHsm,
  type Person,
  type Result,
  SOFTHSM_MODULE,
  type Token,
  tokenPerson,
  tufciIn,
  yubiKey,
} from './tokens.js';

interface Req {
  threshold: number;
  signedCount: number;
  met: boolean;
  signers: { name: string; keyid: string; signed: boolean }[];
}
interface Status {
  complete: boolean;
  invites: Record<string, string[]>;
  roles: { role: string; version: number; current: Req; previous?: Req; complete: boolean }[];
}

const systemTmp = tmpdir();
const savedTmp = process.env.TMPDIR;
let sandbox: string;
let w: World;
let aliceYk: Token;
let aliceYk2: Token;
let bobYk: Token;
let ciHsm: Token;
let alice: Person;
let bob: Person;
let onlinePub: string;
let onlineUri: string;
let diskBefore: Map<string, string>;
let systemBefore: Map<string, string>;

const key = (t: Token): ImportedKey => t.keys[0]!;
const short = (keyid: string): string => keyid.slice(0, 12);

/** `tufci` in a fresh CI clone (on `branch`), the online HSM attached and its PIN a CI secret. */
async function ci(branch: string | undefined, ...args: string[]): Promise<Result> {
  const c = w.ci(branch);
  const env: Record<string, string | undefined> = { ...w.env, TUFCI_ONLINE_PIN: ciHsm.hsm.pin };
  delete env.TUFCI_ONLINE_KEY; // only the HSM can sign online here
  return tufciIn(w, c.dir, ciHsm.hsm, { env }, args);
}

async function status(branch: string): Promise<Status> {
  const r = ok('status', await ci(branch, 'status', '--json'));
  return JSON.parse(r.out) as Status;
}

function remoteJson(
  branch: string,
  path: string,
): {
  signed: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  signatures: { keyid: string; sig: string }[];
} {
  return JSON.parse(git(w.remote, 'show', `${branch}:${path}`));
}

/** Merge, sign online (when needed: a new root alone needs no new snapshot), publish to `site`. */
async function release(branch: string, site: string): Promise<Result> {
  w.merge(branch);
  const on = ok('online-sign', await ci(undefined, 'online-sign', '--push'));
  ok('publish', await ci(undefined, 'publish', '--to', `dir:${site}`));
  return on;
}

beforeAll(async () => {
  sandbox = mkdtempSync(join(systemTmp, 'tufci-yk-'));
  process.env.TMPDIR = sandbox; // everything this file (and the code under test) makes goes here
  w = new World();
  aliceYk = yubiKey('YubiKey PIV #1001');
  aliceYk2 = yubiKey('YubiKey PIV #1003');
  bobYk = yubiKey('YubiKey PIV #2002');
  ciHsm = onlineHsm('ci-hsm', 'tuf-online');
  alice = await tokenPerson(w, 'alice', aliceYk);
  bob = await tokenPerson(w, 'bob', bobYk);
  diskBefore = snapshotFiles(sandbox, tokenDirs());
  systemBefore = snapshotFiles(systemTmp, [sandbox], 3);
}, 120_000);

afterAll(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  cleanupTokens();
  rmSync(sandbox, { recursive: true, force: true });
});

function tokenDirs(): string[] {
  return [aliceYk, aliceYk2, bobYk, ciHsm].map((t) => t.hsm.tokenDir);
}

describe('a repository signed only with YubiKeys and an online HSM', () => {
  it('signers set up the pkcs11 method; key list shows their token keys', async () => {
    expect(readFileSync(join(alice.dir, '.tufci.yaml'), 'utf8')).toBe(
      `user-name: "@alice"\nsigning-method: pkcs11\npull-remote: origin\npush-remote: origin\n` +
        `pkcs11-module: ${SOFTHSM_MODULE}\n`,
    );
    const list = ok('key list', await alice.run('key', 'list'));
    expect(list.out).toContain('Token "YubiKey PIV #1001" (SoftHSM project SoftHSM v2');
    // before login a YubiKey shows the public half of slot 9c
    expect(list.out).toContain(
      `"Public key for Digital Signature" (id 02, EC P-256) keyid ${key(aliceYk).keyid}`,
    );
    expect(list.out).not.toContain('signs:'); // no metadata in this checkout yet
    const json = JSON.parse(ok('key list', await bob.run('key', 'list', '--json')).out);
    expect(json.module).toBe(SOFTHSM_MODULE);
    expect(json.tokens.map((t: { token: string }) => t.token)).toEqual(['YubiKey PIV #2002']);
    expect(json.tokens[0].keys[0]).toMatchObject({
      id: '02',
      scheme: 'ecdsa-sha2-nistp256',
      keyid: key(bobYk).keyid,
      roles: [],
    });
  });

  it('CI exports the HSM key; alice initialises with her YubiKey and invites bob', async () => {
    onlinePub = join(w.root, 'online-hsm.pub');
    const exp = ok(
      'key public',
      await ci(
        undefined,
        'key',
        'public',
        '--module',
        SOFTHSM_MODULE,
        '--key',
        'pkcs11:token=ci-hsm;object=tuf-online',
        '--out',
        onlinePub,
      ),
    );
    expect(readFileSync(onlinePub, 'utf8')).toBe(key(ciHsm).publicPem);
    onlineUri = /Online key URI: (\S+)/.exec(exp.out)![1]!;
    expect(onlineUri).toBe(
      `pkcs11:token=ci-hsm;object=tuf-online;id=%10?module-path=${SOFTHSM_MODULE}`,
    );

    const init = ok(
      'init',
      await alice.run(
        'init',
        ...['--root-signers', '@alice,@bob', '--root-threshold', '2'],
        ...['--targets-signers', '@alice,@bob', '--targets-threshold', '2'],
        ...['--online-key', onlinePub, '--online-uri', onlineUri],
      ),
    );
    expect(init.out).toContain('signed root, targets as @alice');
    expect(init.out).toContain('Invited @bob to root, targets');
    const root = remoteJson('sign/init', 'metadata/root.json');
    expect(root.signed.keys[key(aliceYk).keyid]).toEqual({
      keytype: 'ecdsa',
      scheme: 'ecdsa-sha2-nistp256',
      keyval: { public: key(aliceYk).publicPem },
      'x-tuf-on-ci-keyowner': '@alice',
    });
    expect(root.signed.keys[key(ciHsm).keyid]['x-tuf-on-ci-online-uri']).toBe(onlineUri);
    expect(root.signed.roles.timestamp.keyids).toEqual([key(ciHsm).keyid]);
  });

  it('bob accepts the invite with his YubiKey: one PIN prompt for the whole command', async () => {
    const prompts: string[] = [];
    const env = { ...w.env };
    const b = ok(
      'sign',
      await bob.runWith(
        { env, askSecret: async (q) => (prompts.push(q), bobYk.hsm.pin) },
        'sign',
        'sign/init',
        '--yes',
      ),
    );
    expect(b.out).toContain(
      'Accepted the invite: your key (key "Public key for Digital Signature" (id 02, EC P-256) ' +
        'on PKCS#11 token "YubiKey PIV #2002") now signs root, targets.',
    );
    expect(b.out).toContain('Signed root, targets.');
    expect(prompts).toEqual(['PIN for token "YubiKey PIV #2002": ']);
    // at a terminal, each signature says the key may want a touch
    expect(b.err.split('\n')).toEqual([
      'Signing with "Private key for Digital Signature" (id 02, EC P-256) on token ' +
        '"YubiKey PIV #2002": touch the key if it blinks.',
      'Signing with "Private key for Digital Signature" (id 02, EC P-256) on token ' +
        '"YubiKey PIV #2002": touch the key if it blinks.',
    ]);
    const root = remoteJson('sign/init', 'metadata/root.json');
    expect(root.signed.keys[key(bobYk).keyid]).toMatchObject({
      keyval: { public: key(bobYk).publicPem },
      'x-tuf-on-ci-keyowner': '@bob',
    });
    expect(root.signed.roles.root.keyids).toEqual([key(aliceYk).keyid, key(bobYk).keyid]);

    // bob's key changed root, so alice signs root again; then 2-of-2 is met everywhere
    expect((await status('sign/init')).complete).toBe(false);
    const a = ok('sign', await alice.run('sign', 'sign/init', '--yes'));
    expect(a.out).toContain('Signed root.');
    const st = await status('sign/init');
    expect(st.complete).toBe(true);
    for (const r of st.roles) expect(r.current).toMatchObject({ threshold: 2, signedCount: 2 });
  });

  it('CI signs snapshot and timestamp with the HSM through the pkcs11: URI', async () => {
    const site = join(w.root, 'site-1');
    expect((await release('sign/init', site)).out).toContain(
      'Signed snapshot, timestamp with the online key.',
    );
    for (const role of ['snapshot', 'timestamp']) {
      const env = remoteJson('main', `metadata/${role}.json`);
      expect(env.signatures.map((s) => s.keyid)).toEqual([key(ciHsm).keyid]);
    }
    const v = ok('verify', await ci(undefined, 'verify', '--from', `dir:${site}`));
    expect(v.err).toBe('');
  });

  it('a 2-of-2 artifact event is signed by two YubiKeys; tuf-js and python-tuf verify it', async () => {
    w.pushFiles(alice.clone, 'sign/app', { 'targets/app.txt': 'signed with two tokens\n' });
    ok('event update', await ci('sign/app', 'event', 'update', '--push'));
    expect(ok('sign', await alice.run('sign', 'sign/app', '--yes')).out).toContain(
      'Signed targets.',
    );
    const half = (await status('sign/app')).roles.find((r) => r.role === 'targets')!;
    expect(half.current).toMatchObject({ threshold: 2, signedCount: 1, met: false });
    expect(ok('sign', await bob.run('sign', 'sign/app', '--yes')).out).toContain('Signed targets.');
    expect((await status('sign/app')).complete).toBe(true);

    const site = join(w.root, 'site-2');
    expect((await release('sign/app', site)).out).toContain('with the online key');
    const out = join(w.root, 'app.out');
    const v = ok(
      'verify',
      await ci(undefined, 'verify', '--from', `dir:${site}`, '--target', 'app.txt', '--out', out),
    );
    expect(v.err).toBe('');
    expect(readFileSync(out, 'utf8')).toBe('signed with two tokens\n');

    const server = await serveDir(site);
    try {
      const res = await ngclient({
        trustedRoot: join(site, '1.root.json'),
        baseUrl: server.url,
        workDir: mkdtempSync(join(w.root, 'py-')),
        targets: ['app.txt'],
      });
      expect(res.error).toBeUndefined();
      expect(res.versions).toMatchObject({ root: 1, targets: 2 });
      const got = res.targets['app.txt'] as DownloadedTarget;
      expect(readFileSync(got.file, 'utf8')).toBe('signed with two tokens\n');
    } finally {
      await server.close();
    }
    // securesystemslib computes the same keyids from the tokens' public keys
    const pems = [aliceYk, bobYk, ciHsm].map((t) => key(t).publicPem);
    const facts = await inspectPublished(site, pems);
    expect(facts.pem_keyids).toEqual([aliceYk, bobYk, ciHsm].map((t) => key(t).keyid));
    for (const [id, recomputed] of Object.entries(facts.root_keyids)) expect(recomputed).toBe(id);

    w.sync(alice.clone, 'main');
    const list = ok('key list', await alice.run('key', 'list'));
    expect(list.out).toContain(`keyid ${key(aliceYk).keyid}\n    signs: root, targets (as @alice)`);
  });

  it('root rotates to alice’s new YubiKey: the new and the previous root threshold must both be met', async () => {
    const EVENT = 'sign/rotate';
    alice.plug(aliceYk2);
    const newPub = join(w.root, 'alice-new.pub');
    ok('key public', await alice.run('key', 'public', '--out', newPub));
    expect(readFileSync(newPub, 'utf8')).toBe(key(aliceYk2).publicPem);

    const d = ok(
      'delegate',
      await alice.run(
        'delegate',
        EVENT,
        'root',
        '--signers',
        '@alice,@bob',
        '--key',
        `@alice=${newPub}`,
        '--no-sign',
      ),
    );
    expect(d.err).toBe('');
    const signers = (q: Req | undefined): string[] =>
      (q?.signers ?? []).map((s) => `${s.name}:${short(s.keyid)}${s.signed ? '+' : ''}`);
    const [oldId, newId, bobId] = [key(aliceYk).keyid, key(aliceYk2).keyid, key(bobYk).keyid];

    let root = (await status(EVENT)).roles.find((r) => r.role === 'root')!;
    expect(root.version).toBe(2);
    expect(signers(root.current)).toEqual([`@alice:${short(newId)}`, `@bob:${short(bobId)}`]);
    expect(signers(root.previous)).toEqual([`@alice:${short(oldId)}`, `@bob:${short(bobId)}`]);

    // the new YubiKey signs for the new root only, and alice is told the old one is still needed
    const first = ok('sign', await alice.run('sign', EVENT, '--yes'));
    expect(first.out).toContain('Signed root.');
    expect(first.out).toContain(
      `Another key of yours is still needed for root (keyid ${short(oldId)}): run ` +
        '`tufci sign sign/rotate` again with that key (in a key rotation, your previous YubiKey or key file).',
    );
    // bob's key is in both
    ok('sign', await bob.run('sign', EVENT, '--yes'));
    let st = await status(EVENT);
    root = st.roles.find((r) => r.role === 'root')!;
    expect(root.current).toMatchObject({ threshold: 2, signedCount: 2, met: true });
    expect(root.previous).toMatchObject({ threshold: 2, signedCount: 1, met: false });
    expect(st.complete).toBe(false);

    // the old YubiKey completes the previous root's threshold
    alice.plug(aliceYk);
    expect(ok('sign', await alice.run('sign', EVENT, '--yes')).out).toContain('Signed root.');
    st = await status(EVENT);
    root = st.roles.find((r) => r.role === 'root')!;
    expect(root.previous).toMatchObject({ signedCount: 2, met: true });
    expect(signers(root.current)).toEqual([`@alice:${short(newId)}+`, `@bob:${short(bobId)}+`]);
    expect(st.complete).toBe(true);

    const site = join(w.root, 'site-3');
    await release(EVENT, site);
    const v = ok('verify', await ci(undefined, 'verify', '--from', `dir:${site}`));
    expect(v.err).toBe('');
    const server = await serveDir(site);
    try {
      const res = await ngclient({
        trustedRoot: join(site, '1.root.json'),
        baseUrl: server.url,
        workDir: mkdtempSync(join(w.root, 'py-')),
        targets: ['app.txt'],
      });
      expect(res.error).toBeUndefined();
      expect(res.versions?.root).toBe(2);
      expect(res.targets['app.txt']).toMatchObject({ length: 23 });
    } finally {
      await server.close();
    }
    const published = JSON.parse(readFileSync(join(site, '2.root.json'), 'utf8'));
    expect(published.signed.roles.root.keyids).toEqual([newId, bobId]);
    expect(published.signatures.map((s: { keyid: string }) => s.keyid).sort()).toEqual(
      [oldId, newId, bobId].sort(),
    );
  });

  it('after the rotation the old YubiKey is refused for root, naming both keyids', async () => {
    alice.plug(aliceYk);
    w.sync(alice.clone, 'main');
    const r = await alice.run('delegate', 'sign/expiry', 'root', '--expiry', '400');
    expect(r.code).toBe(5);
    expect(r.err).toBe(
      'error: key "Public key for Digital Signature" (id 02, EC P-256) on PKCS#11 token ' +
        `"YubiKey PIV #1001" (keyid ${short(key(aliceYk).keyid)}) is not @alice's key in: ` +
        `root (expects keyid ${short(key(aliceYk2).keyid)})`,
    );
    expect(w.remoteRef('sign/expiry')).toBeUndefined();
    expect(git(alice.dir, 'status', '--porcelain', 'metadata')).toBe('');

    alice.plug(aliceYk2);
    const again = ok(
      'delegate',
      await alice.run('delegate', 'sign/expiry', 'root', '--expiry', '400'),
    );
    expect(again.out).toContain('Signed root as @alice.');
  });

  it('no private key material was written: work trees, git objects, temp dirs', () => {
    const keys = [aliceYk, aliceYk2, bobYk, ciHsm].map(key);
    // the check finds a key when one is there
    const pem = `-----BEGIN PRIVATE KEY-----\n${key(bobYk)
      .pkcs8.toString('base64')
      .replace(/.{64}/g, '$&\n')}\n-----END PRIVATE KEY-----\n`;
    expect(keyMaterialIn(Buffer.from(`x ${pem} y`), keys)).toBe(
      'base64 PKCS#8 of "Private key for Digital Signature" on YubiKey PIV #2002',
    );
    expect(keyMaterialIn(Buffer.from(key(ciHsm).scalar.toString('hex')), keys)).toBe(
      'hex scalar of "tuf-online" on ci-hsm',
    );

    const after = snapshotFiles(sandbox, tokenDirs());
    expect(changedFiles(diskBefore, after).length).toBeGreaterThan(100); // the flow did write
    expect(filesWithKeyMaterial([...after.keys()], keys)).toEqual([]);

    const gitDirs = [
      w.remote,
      ...[...after.keys()].flatMap((p) => {
        const m = /^(.*\/\.git)\/HEAD$/.exec(p);
        return m ? [m[1]!] : [];
      }),
    ];
    expect(gitDirs.length).toBeGreaterThan(5);
    for (const dir of gitDirs) expect(keyMaterialIn(gitObjects(dir), keys), dir).toBeUndefined();

    const systemNew = changedFiles(systemBefore, snapshotFiles(systemTmp, [sandbox], 3));
    expect(filesWithKeyMaterial(systemNew, keys)).toEqual([]);
    // the key files World made for alice and bob were deleted before anything ran
    expect(() => readFileSync(alice.clone.keyfile)).toThrow();
    expect(() => readFileSync(bob.clone.keyfile)).toThrow();
  });
});
