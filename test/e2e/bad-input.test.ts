/**
 * Bad input on a real bare git remote: every refusal names the file, field or
 * flag at fault, exits 1, and leaves the checkout clean with no new commit and
 * every remote ref where it was.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyObjectSigner, loadPrivateKey } from '../../lib/signers/keyfile.js';
import { serialize, signedBytes } from '../../lib/tuf/envelope.js';
import { keyId } from '../../lib/tuf/keys.js';
import type { Envelope, TargetsSigned } from '../../lib/tuf/types.js';
import type { Ctx } from '../../signer-cli/context.js';
import { ngclient } from '../helpers/python-tuf.js';
import { serveDir } from '../helpers/static-server.js';
import { PASS, World, git } from '../helpers/world.js';
import type { Clone } from '../helpers/world.js';

const DAY = 86_400_000;
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('bad input is refused clearly, and nothing is written or pushed', () => {
  const w = new World();
  const alice = w.clone('alice');
  const bob = w.clone('bob');
  const carol = w.clone('carol');
  const ci = w.ci();
  const site = join(w.root, 'site');

  const remoteRefs = (): string =>
    git(w.remote, 'for-each-ref', '--format=%(refname) %(objectname)');
  /** Commits in the checkout that the remote does not have. */
  const unpushed = (c: Clone): string => git(c.dir, 'rev-list', 'HEAD', '--not', '--remotes');

  /** Runs tufci, expects exit 1 with `message`, and checks that nothing changed. */
  const refused = async (
    c: Clone,
    args: string[],
    message: string | RegExp,
    extra: Partial<Ctx> = {},
    exitCode = 1,
  ): Promise<string> => {
    const refs = remoteRefs();
    const local = unpushed(c);
    const r = await c.tufciWith(extra, ...args);
    expect(r.code, r.out).toBe(exitCode);
    expect(r.err).not.toContain('internal error');
    if (typeof message === 'string') expect(r.err).toContain(message);
    else expect(r.err).toMatch(message);
    expect(git(c.dir, 'status', '--porcelain')).toBe('');
    expect(unpushed(c)).toBe(local);
    expect(remoteRefs()).toBe(refs);
    expect(existsSync(site)).toBe(false);
    return r.err;
  };

  /** Changes a metadata file in `c` (on its current branch) and commits it locally. */
  const editMetadata = (c: Clone, role: string, edit: (env: Envelope) => string | void): void => {
    const path = join(c.dir, 'metadata', `${role}.json`);
    const env = JSON.parse(readFileSync(path, 'utf8')) as Envelope;
    const text = edit(env);
    writeFileSync(path, text ?? serialize(env));
    git(c.dir, 'commit', '-qam', `edit ${role}`);
  };
  const pushBranch = (c: Clone, branch: string): void => {
    git(c.dir, 'push', '-q', 'origin', `HEAD:refs/heads/${branch}`);
  };
  const signWith = async (env: Envelope, clones: Clone[], bytes = signedBytes(env)) => {
    const sigs = [];
    for (const c of clones) {
      const s = new KeyObjectSigner(
        loadPrivateKey(readFileSync(c.keyfile, 'utf8'), c.keyfile, PASS),
        c.user,
      );
      sigs.push({ keyid: keyId(await s.publicKey()), sig: await s.sign(bytes) });
    }
    return sigs;
  };

  beforeAll(async () => {
    await w.bootstrap([alice, bob, carol], 2, ['--targets-expiry', '30']);
    w.pushFiles(alice, 'sign/app', { 'targets/app.txt': 'app\n' });
    w.sync(ci, 'sign/app');
    expect((await ci.tufci('event', 'update', '--push')).err).toBe('');
    expect((await bob.tufci('sign', 'sign/app', '--yes')).code).toBe(0);
    expect((await carol.tufci('sign', 'sign/app', '--yes')).code).toBe(0);
    w.merge('sign/app');
    w.sync(ci, 'main');
    expect((await ci.tufci('online-sign', '--push')).code).toBe(0);
  }, 120_000);
  afterAll(() => w.cleanup());

  it('malformed JSON: event update and sign name the file', async () => {
    w.sync(bob, 'sign/bad-json');
    editMetadata(bob, 'targets', () => '{"signed": {"_type": "targets", ');
    pushBranch(bob, 'sign/bad-json');
    w.sync(ci, 'sign/bad-json');
    await refused(ci, ['event', 'update', '--push'], 'metadata/targets.json: malformed JSON');
    await refused(ci, ['status', '--json'], 'metadata/targets.json: malformed JSON');
    await refused(
      alice,
      ['sign', 'sign/bad-json', '--yes'],
      'metadata/targets.json: malformed JSON',
    );
  });

  it('a signature over other bytes does not count, and is not publishable', async () => {
    // in an event: carol's signature covers other bytes, so it is dropped and not counted
    w.pushFiles(alice, 'sign/other-bytes', { 'targets/other.txt': 'other\n' });
    w.sync(ci, 'sign/other-bytes');
    await ci.tufci('event', 'update', '--push');
    w.sync(carol, 'sign/other-bytes');
    const evPath = join(carol.dir, 'metadata/targets.json');
    const evEnv = JSON.parse(readFileSync(evPath, 'utf8')) as Envelope;
    const evOther = JSON.parse(JSON.stringify(evEnv)) as Envelope;
    evOther.signed.version += 7;
    evEnv.signatures = await signWith(evEnv, [carol], signedBytes(evOther));
    writeFileSync(evPath, serialize(evEnv));
    git(carol.dir, 'commit', '-qam', 'a signature over other bytes');
    pushBranch(carol, 'sign/other-bytes');
    w.sync(ci, 'sign/other-bytes');
    const st0 = JSON.parse((await ci.tufci('status', '--json')).out);
    expect(st0.roles[0].current.signedCount).toBe(0);
    expect(
      st0.roles[0].current.signers.find((s: { name: string }) => s.name === '@carol'),
    ).toMatchObject({ signed: false });
    const dropped = await ci.tufci('event', 'update', '--push');
    expect(dropped.out).toContain('targets: dropped 1 signature(s) over older content');

    // on main: a targets.json whose signatures are over other bytes cannot be published
    w.sync(ci, 'main');
    const path = join(ci.dir, 'metadata/targets.json');
    const env = JSON.parse(readFileSync(path, 'utf8')) as Envelope;
    const other = JSON.parse(JSON.stringify(env)) as Envelope;
    (other.signed as TargetsSigned).targets['app.txt']!.length += 1;
    env.signatures = await signWith(env, [alice, bob], signedBytes(other));
    writeFileSync(path, serialize(env));
    git(ci.dir, 'commit', '-qam', 'signatures over other bytes');
    await refused(
      ci,
      ['publish', '--to', `dir:${site}`],
      "metadata/targets.json: role targets v2 is below its threshold: 0 of 2 required signatures verify (signed by nobody; not by @alice, @bob, @carol): 2 signature(s) no longer verify: the role's content, keys or threshold changed after it was signed; not publishable",
    );
  });

  it('a version that goes backwards: event update and online-sign refuse', async () => {
    w.sync(bob, 'sign/backwards');
    editMetadata(bob, 'targets', (env) => {
      env.signed.version = 1;
    });
    pushBranch(bob, 'sign/backwards');
    w.sync(ci, 'sign/backwards');
    await refused(
      ci,
      ['event', 'update', '--push'],
      'metadata/targets.json: version 1 goes backwards (known-good version is 2)',
    );

    w.sync(ci, 'main');
    editMetadata(ci, 'targets', (env) => {
      env.signed.version = 1;
    });
    await refused(
      ci,
      ['online-sign', '--push'],
      'metadata/targets.json: version 1 goes backwards (snapshot has version 2)',
    );
  });

  it('an expired role: online-sign, publish and sign refuse', async () => {
    const saved = w.now;
    try {
      w.sync(ci, 'main');
      w.now = new Date(saved.getTime() + 31 * DAY);
      await refused(
        ci,
        ['online-sign', '--push'],
        /metadata\/targets\.json: role targets expired on /,
      );
      await refused(
        ci,
        ['publish', '--to', `dir:${site}`],
        /metadata\/targets\.json: role targets expired on /,
      );
      // an event whose targets expired before it was signed
      w.now = saved;
      w.pushFiles(alice, 'sign/late', { 'targets/late.txt': 'late\n' });
      w.sync(ci, 'sign/late');
      await ci.tufci('event', 'update', '--push');
      w.now = new Date(saved.getTime() + 31 * DAY);
      await refused(
        bob,
        ['sign', 'sign/late', '--yes'],
        /metadata\/targets\.json: role targets expired on /,
      );
    } finally {
      w.now = saved;
    }
  });

  it('an unknown key type names the key', async () => {
    w.sync(bob, 'sign/keytype');
    editMetadata(bob, 'root', (env) => {
      const keys = (env.signed as { keys: Record<string, unknown> }).keys;
      keys['ab'.repeat(32)] = { keytype: 'dsa', scheme: 'dsa-sha1', keyval: { public: 'x' } };
    });
    pushBranch(bob, 'sign/keytype');
    w.sync(ci, 'sign/keytype');
    await refused(
      ci,
      ['event', 'update', '--push'],
      `metadata/root.json: key ${'ab'.repeat(32)}: unknown key type "dsa"`,
    );
  });

  it('a threshold above the number of keys: the flag and the metadata field', async () => {
    w.sync(alice, 'main');
    await refused(
      alice,
      ['delegate', 'sign/thr', 'targets', '--threshold', '4'],
      '--threshold for role targets: threshold 4 is above the number of keys (3)',
    );
    expect(w.remoteRef('sign/thr')).toBeUndefined();

    w.sync(bob, 'sign/thr-md');
    editMetadata(bob, 'root', (env) => {
      (env.signed as { roles: Record<string, { threshold: number }> }).roles.targets!.threshold = 5;
    });
    pushBranch(bob, 'sign/thr-md');
    w.sync(ci, 'sign/thr-md');
    await refused(
      ci,
      ['event', 'update', '--push'],
      'metadata/root.json role targets: threshold 5 is above the number of keys (3)',
    );
  });

  it('target paths that escape targets/: "..", an absolute path, a symlink', async () => {
    for (const bad of ['../escape.txt', '/etc/passwd', 'a/../../b']) {
      w.sync(ci, 'main');
      const path = join(ci.dir, 'metadata/targets.json');
      const env = JSON.parse(readFileSync(path, 'utf8')) as Envelope<TargetsSigned>;
      env.signed.targets[bad] = { length: 4, hashes: { sha256: 'ab'.repeat(32) } };
      env.signed.version += 1;
      env.signatures = await signWith(env, [alice, bob]);
      writeFileSync(path, serialize(env));
      git(ci.dir, 'commit', '-qam', `target ${bad}`);
      await refused(
        ci,
        ['publish', '--to', `dir:${site}`],
        `metadata/targets.json targets: target path "${bad}" escapes targets/`,
      );
    }

    // in an event: a registry artifact (kept by event update) whose path escapes
    w.sync(bob, 'sign/oci-escape');
    editMetadata(bob, 'targets', (env) => {
      (env.signed as TargetsSigned).targets['../oci-escape'] = {
        length: 2,
        hashes: { sha256: 'cd'.repeat(32) },
        custom: {
          oci: {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: `sha256:${'cd'.repeat(32)}`,
            size: 2,
          },
        },
      };
    });
    pushBranch(bob, 'sign/oci-escape');
    w.sync(ci, 'sign/oci-escape');
    const escape = /metadata\/targets\.json.*target path "\.\.\/oci-escape" escapes targets\//;
    await refused(ci, ['event', 'update', '--push'], escape);
    await refused(alice, ['sign', 'sign/oci-escape', '--yes'], escape);

    w.sync(bob, 'sign/symlink');
    symlinkSync('../README.md', join(bob.dir, 'targets', 'link'));
    git(bob.dir, 'add', 'targets/link');
    git(bob.dir, 'commit', '-qm', 'a symlink');
    pushBranch(bob, 'sign/symlink');
    w.sync(ci, 'sign/symlink');
    await refused(ci, ['event', 'update', '--push'], 'targets/link: is a symlink');
  });

  it('sign when no signature is required from this signer, or the event does not exist', async () => {
    w.pushFiles(alice, 'sign/done', { 'targets/done.txt': 'done\n' });
    w.sync(ci, 'sign/done');
    await ci.tufci('event', 'update', '--push');
    expect((await alice.tufci('sign', 'sign/done', '--yes')).code).toBe(0);
    // nothing left to do is no failure: exit 0, nothing pushed
    const before = w.remoteRef('sign/done');
    const again = await alice.tufci('sign', 'sign/done', '--yes');
    expect(again.code).toBe(0);
    expect(again.out).toBe(
      'Nothing left to do: no signature is required from @alice in sign/done (you have signed it already).',
    );
    expect(w.remoteRef('sign/done')).toBe(before);
    await refused(
      alice,
      ['sign', 'sign/nonexistent', '--yes'],
      'event sign/nonexistent: no such branch',
    );
  });

  it('a wrong passphrase names the key file', async () => {
    await refused(
      bob,
      ['sign', 'sign/done', '--yes'],
      `${bob.keyfile}: wrong passphrase`,
      { env: { ...w.env, TUFCI_KEY_PASSPHRASE: 'not the passphrase' } },
      5,
    );
    // the right one still works afterwards
    expect((await bob.tufci('sign', 'sign/done', '--yes')).code).toBe(0);
  });

  it("a key file that is not the signer's key", async () => {
    await refused(
      carol,
      ['sign', 'sign/done', '--yes', '--keyfile', alice.keyfile],
      /is not @carol's key in: targets \(expects keyid [0-9a-f]{12}\)/,
      {},
      5,
    );
  });

  it('clients refuse a published tree whose target or metadata bytes were changed', async () => {
    w.sync(ci, 'main');
    const site2 = join(w.root, 'site2');
    expect((await ci.tufci('publish', '--to', `dir:${site2}`)).err).toBe('');
    const target = join(site2, 'targets', `${sha256('app\n')}.app.txt`);
    writeFileSync(target, 'APP\n'); // same length, other bytes
    const v = await ci.tufci('verify', '--from', `dir:${site2}`, '--target', 'app.txt');
    expect(v.code).toBe(3);
    expect(v.err).toContain('target "app.txt"');
    expect(v.err).toContain('downloaded bytes do not match the signed length or hash');
    const server = await serveDir(site2);
    try {
      const py = await ngclient({
        trustedRoot: join(site2, '1.root.json'),
        baseUrl: server.url,
        workDir: mkdtempSync(join(w.root, 'py-')),
        targets: ['app.txt'],
      });
      expect(py.error).toBeUndefined();
      expect(py.targets['app.txt']).toMatchObject({
        error: expect.stringMatching(/LengthOrHashMismatch/),
      });

      // metadata: targets.json no longer matches the hash in snapshot
      const meta = join(site2, '2.targets.json');
      writeFileSync(meta, readFileSync(meta, 'utf8').replace('"version": 2', '"version":  2'));
      // A fresh client (--no-cache): a kept trusted copy of targets.json would still be valid.
      const m = await ci.tufci('verify', '--from', `dir:${site2}`, '--no-cache');
      expect(m.code).toBe(3);
      expect(m.err).toContain('error: 2.targets.json: ');
      expect(m.err).toMatch(/signed length or hash|larger than the signed length/);
      const py2 = await ngclient({
        trustedRoot: join(site2, '1.root.json'),
        baseUrl: server.url,
        workDir: mkdtempSync(join(w.root, 'py-')),
        targets: ['app.txt'],
      });
      expect(py2.error ?? JSON.stringify(py2.targets)).toMatch(/LengthOrHashMismatch|mismatch/i);
    } finally {
      await server.close();
    }
  });
});
