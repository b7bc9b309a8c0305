import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { World, git } from '../helpers/world.js';

/** `tufci sign` signs and pushes only what it showed: stray files and unpushed commits stop it. */
describe('sign refuses work trees that hold more than what it would show', () => {
  const w = new World();
  const alice = w.clone('alice');
  const bob = w.clone('bob');
  beforeAll(async () => {
    await w.bootstrap([alice, bob], 1);
    w.pushFiles(alice, 'sign/app', { 'targets/app.txt': 'app\n' });
    expect((await w.ci('sign/app').tufci('event', 'update', '--push')).code).toBe(0);
  });
  afterAll(() => w.cleanup());

  it('refuses stray files in targets/ or metadata/, and pushes nothing', async () => {
    const before = w.remoteRef('sign/app');
    mkdirSync(join(bob.dir, 'targets'), { recursive: true });
    writeFileSync(join(bob.dir, 'targets', 'evil.txt'), 'not shown to bob\n');
    const r = await bob.tufci('sign', 'sign/app', '--yes');
    expect(r.code).toBe(1);
    expect(r.err).toContain('error: local changes in metadata/ or targets/ (targets/evil.txt)');
    expect(w.remoteRef('sign/app')).toBe(before);
    git(bob.dir, 'clean', '-qfd', 'targets');
    const ok = await bob.tufci('sign', 'sign/app', '--yes');
    expect(ok.code).toBe(0);
    expect(git(w.remote, 'show', '--stat', '--format=%s', 'sign/app')).not.toContain('evil.txt');
  });

  it('refuses a local event branch with unpushed commits instead of discarding them', async () => {
    git(alice.dir, 'fetch', '-q', 'origin');
    git(alice.dir, 'checkout', '-q', '-B', 'sign/app', 'origin/sign/app');
    git(alice.dir, 'commit', '-q', '--allow-empty', '-m', 'local work');
    const r = await alice.tufci('sign', 'sign/app', '--yes');
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      'error: local branch sign/app has 1 commit(s) that origin does not have',
    );
    expect(git(alice.dir, 'log', '-1', '--format=%s', 'sign/app').trim()).toBe('local work');
  });

  it('status is not complete while targets/ has changes the metadata does not have yet', async () => {
    const ci = w.ci('sign/app');
    expect(JSON.parse((await ci.tufci('status', '--json')).out).complete).toBe(true);
    w.pushFiles(bob, 'sign/app', { 'targets/late.txt': 'pushed after the signatures\n' });
    const late = w.ci('sign/app');
    const text = await late.tufci('status');
    expect(text.out).toContain('Signing event sign/app: not complete');
    expect(text.out).toContain('Metadata of targets is not up to date with this branch');
    expect(JSON.parse((await late.tufci('status', '--json')).out).complete).toBe(false);
  });

  it('online-sign refuses to vouch for an unsigned change that reached main', async () => {
    w.merge('sign/app');
    const ci = w.ci();
    const path = join(ci.dir, 'metadata', 'targets.json');
    const env = JSON.parse(readFileSync(path, 'utf8'));
    env.signed['x-tuf-on-ci-expiry-period'] = 100;
    writeFileSync(path, JSON.stringify(env, null, 2));
    git(ci.dir, 'commit', '-qam', 'edit targets without signing');
    const r = await ci.tufci('online-sign', '--push');
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      "error: metadata/targets.json: role targets v2 is below its threshold: 0 of 1 required signatures verify (signed by nobody; not by @alice, @bob): 1 signature(s) no longer verify: the role's content, keys or threshold changed after it was signed; an unsigned change reached this branch; not signing a snapshot over it",
    );
    expect(git(ci.dir, 'status', '--porcelain').trim()).toBe('');
  });
});
