/**
 * Names from an unreviewed push reach file paths: a delegated role named with `..` or `/`
 * and a snapshot entry that climbs out are refused where metadata is loaded, naming the
 * field, and nothing is written: the whole test world is compared before and after, and
 * the files the names point at outside it do not appear.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serialize } from '../../lib/tuf/envelope.js';
import type { Envelope, SnapshotSigned, TargetsSigned } from '../../lib/tuf/types.js';
import { changedFiles, snapshotFiles } from '../helpers/disk-snapshot.js';
import { World, git } from '../helpers/world.js';

describe('hostile role names never reach the file system', () => {
  const w = new World();
  const alice = w.clone('alice');
  const bob = w.clone('bob');
  const ci = w.ci();

  beforeAll(async () => {
    await w.bootstrap([alice, bob], 1);
  }, 120_000);
  afterAll(() => w.cleanup());

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
    'a\u0007b',
  ])('event update and status refuse a delegation named %j', async (name) => {
    const branch = `sign/evil-${Buffer.from(name).toString('hex').slice(0, 12)}`;
    push(branch, 'targets', (env) => {
      const t = env.signed as TargetsSigned;
      t.delegations = {
        keys: {},
        roles: [{ name, keyids: [], threshold: 1, paths: ['*'], terminating: false }],
      };
    });
    const before = snapshotFiles(w.root, []);
    // status --no-fetch: a fetch writes .git/FETCH_HEAD, which is not what this test watches
    for (const args of [
      ['event', 'update', '--push'],
      ['status', '--no-fetch'],
    ]) {
      const r = await ci.tufci(...args);
      expect(r.code, r.err).not.toBe(0);
      expect(r.code).not.toBe(70);
      expect(r.err).toContain('metadata/targets.json: field "signed.delegations.roles[0].name"');
      expect(r.err).not.toMatch(/\n\s+at /);
    }
    expect(changedFiles(before, snapshotFiles(w.root, []))).toEqual([]);
    expect(existsSync(join(dirname(w.root), 'outside.json'))).toBe(false);
    expect(existsSync('/tmp/absolute.json')).toBe(false);
    expect(git(ci.dir, 'status', '--porcelain')).toBe('');
  });

  it('publish refuses a snapshot entry that climbs out of the destination', async () => {
    push('sign/evil-snapshot', 'snapshot', (env) => {
      const s = env.signed as SnapshotSigned;
      s.meta['../../../outside.json'] = { version: 1 };
    });
    const site = join(w.root, 'site');
    const r = await ci.tufci('publish', '--to', `dir:${site}`);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('metadata/snapshot.json: field "signed.meta"');
    expect(r.err).toContain('../../../outside.json');
  });
});
