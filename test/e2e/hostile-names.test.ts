/**
 * Names from an unreviewed push reach file paths: a delegated role named with `..` or `/`,
 * a root naming a role that is not top-level, and a snapshot entry that climbs out are
 * refused where metadata is loaded, naming the field, and nothing is written anywhere:
 * the test world lives in a directory of its own, and that whole directory (the world and
 * everything a `..` could reach beside it) is compared before and after.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyFileSigner } from '../../lib/signers/keyfile.js';
import { serialize, signedBytes } from '../../lib/tuf/envelope.js';
import { keyId, tufKeyFromPublicPem } from '../../lib/tuf/keys.js';
import type { Envelope, RootSigned, SnapshotSigned, TargetsSigned } from '../../lib/tuf/types.js';
import { changedFiles, snapshotFiles } from '../helpers/disk-snapshot.js';
import { PASS, World, git } from '../helpers/world.js';

describe('hostile role names never reach the file system', () => {
  // the world in a parent of its own, so "everything beside it" is ours to compare
  const parent = mkdtempSync(join(tmpdir(), 'tufci-hostile-'));
  const savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = parent;
  const w = new World();
  const alice = w.clone('alice');
  const bob = w.clone('bob');
  const ci = w.ci();

  beforeAll(async () => {
    await w.bootstrap([alice, bob], 1);
  }, 120_000);
  afterAll(() => {
    process.env.TMPDIR = savedTmp;
    rmSync(parent, { recursive: true, force: true });
  });

  /** Every file under the parent (the world included), and every directory name in it. */
  const everything = (): { files: Map<string, string>; names: string[] } => ({
    files: snapshotFiles(parent, [], 12),
    names: readdirSync(parent).sort(),
  });
  const expectUnchanged = (before: ReturnType<typeof everything>): void => {
    const after = everything();
    expect(changedFiles(before.files, after.files)).toEqual([]);
    expect([...after.files.keys()].filter((f) => !before.files.has(f))).toEqual([]);
    expect(after.names).toEqual(before.names);
  };

  const push = (branch: string, role: string, edit: (env: Envelope) => void): void => {
    w.sync(bob, 'main');
    git(bob.dir, 'checkout', '-qB', branch);
    const path = join(bob.dir, 'metadata', `${role}.json`);
    const env = JSON.parse(readFileSync(path, 'utf8')) as Envelope;
    edit(env);
    writeFileSync(path, serialize(env));
    git(bob.dir, 'commit', '-qam', `hostile ${role}`);
    git(bob.dir, 'push', '-q', 'origin', `HEAD:refs/heads/${branch}`);
    w.sync(ci, branch);
  };

  it.each([
    'x/../../../../outside',
    '../escape',
    '/tmp/absolute',
    '.hidden',
    'snapshot',
    'root',
    'root_history',
    'a\u0007b',
    'x\u001b[31m',
  ])('event update and status refuse a delegation named %j', async (name) => {
    const branch = `sign/evil-${Buffer.from(name).toString('hex').slice(0, 12)}`;
    push(branch, 'targets', (env) => {
      const t = env.signed as TargetsSigned;
      t.delegations = {
        keys: {},
        roles: [{ name, keyids: [], threshold: 1, paths: ['*'], terminating: false }],
      };
    });
    const before = everything();
    // status --no-fetch: a fetch writes .git/FETCH_HEAD, which is not what this test watches
    for (const args of [
      ['event', 'update', '--push'],
      ['status', '--no-fetch'],
    ]) {
      const r = await ci.tufci(...args);
      expect(r.code, r.err).not.toBe(0);
      expect(r.code).not.toBe(70);
      expect(r.err).toContain('metadata/targets.json: field "signed.delegations.roles[0].name"');
      expect(r.err).toContain(JSON.stringify(name));
      expect(r.err).not.toMatch(/\n\s+at /);
    }
    expectUnchanged(before);
    expect(existsSync(join(dirname(w.root), 'outside.json'))).toBe(false);
    expect(existsSync('/tmp/absolute.json')).toBe(false);
    expect(git(ci.dir, 'status', '--porcelain')).toBe('');
  });

  it('event update refuses a root that names a role beyond the top-level four', async () => {
    push('sign/evil-root-role', 'root', (env) => {
      const r = env.signed as RootSigned;
      r.roles['../../../../outside'] = { keyids: [], threshold: 1 };
    });
    const before = everything();
    const r = await ci.tufci('event', 'update', '--push');
    expect(r.code, r.err).toBe(1);
    expect(r.err).toContain('metadata/root.json: field "signed.roles": "../../../../outside"');
    expectUnchanged(before);
  });

  it('publish refuses a snapshot entry that climbs out of the destination', async () => {
    push('sign/evil-snapshot', 'snapshot', (env) => {
      const s = env.signed as SnapshotSigned;
      s.meta['../../../outside.json'] = { version: 1 };
    });
    const site = join(w.root, 'site');
    const before = everything();
    const r = await ci.tufci('publish', '--to', `dir:${site}`);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('metadata/snapshot.json: field "signed.meta"');
    expect(r.err).toContain('../../../outside.json');
    expectUnchanged(before);
    expect(existsSync(site)).toBe(false);
  });

  it.each(['x/../../../../outside', '/tmp/absolute-evil', '.hidden', 'timestamp'])(
    'publish --to dir refuses signed metadata on main delegating to %j and writes nothing',
    async (name) => {
      // a hostile targets.json that made it to main, validly signed by its signer
      w.sync(bob, 'main');
      const path = join(bob.dir, 'metadata', 'targets.json');
      const env = JSON.parse(readFileSync(path, 'utf8')) as Envelope<TargetsSigned>;
      env.signed.delegations = {
        keys: {},
        roles: [{ name, keyids: [], threshold: 1, paths: ['*'], terminating: false }],
      };
      const signer = keyFileSigner(alice.keyfile, () => Promise.resolve(PASS));
      const id = keyId(tufKeyFromPublicPem(readFileSync(alice.pubfile, 'utf8')));
      env.signatures = [{ keyid: id, sig: await signer.sign(signedBytes(env)) }];
      writeFileSync(path, serialize(env));
      git(bob.dir, 'commit', '-qam', `signed hostile ${name}`);
      git(bob.dir, 'push', '-qf', 'origin', 'HEAD:refs/heads/main');
      w.sync(ci, 'main');
      const site = join(w.root, 'site-signed');
      const before = everything();
      for (const to of [`dir:${site}`, `oci-layout:${site}-layout`]) {
        const r = await ci.tufci('publish', '--to', to);
        expect(r.code, r.err).toBe(1);
        expect(r.err).toContain('metadata/targets.json: field "signed.delegations.roles[0].name"');
        expect(r.err).toContain(JSON.stringify(name));
      }
      expectUnchanged(before);
      expect(existsSync(site)).toBe(false);
      expect(existsSync('/tmp/absolute-evil.json')).toBe(false);
      expect(existsSync(`${site}-layout`)).toBe(false);
    },
  );
});
