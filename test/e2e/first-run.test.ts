/**
 * A signer's and a maintainer's first run, on a real git remote: no settings says to
 * run `tufci setup`, which keeps the settings out of git through .git/info/exclude; a
 * maintainer who does not sign runs `init` with every signer invited; signing before
 * CI updated the event says so; a sign with nothing left to do exits 0 and says so.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { World, git } from '../helpers/world.js';

describe('first run', () => {
  const w = new World();
  const alice = w.clone('alice');
  const bob = w.clone('bob');
  const maint = w.clone('maint');
  const ci = w.ci();
  afterAll(() => w.cleanup());

  it('no settings: says to run `tufci setup`', async () => {
    const fresh = w.clone('fresh');
    rmSync(join(fresh.dir, '.tufci.yaml'));
    const r = await fresh.tufci('sign', 'sign/init', '--yes');
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `error: no signer settings (.tufci.yaml) in ${fresh.dir}: run \`tufci setup --user @you --keyfile <your key file>\` (or \`--method pkcs11\` for a YubiKey) first`,
    );
  });

  it('setup keeps the settings out of git through .git/info/exclude, once', async () => {
    // a repository whose .gitignore does not name the settings file
    w.pushFiles(alice, 'main', { '.gitignore': null });
    const fresh = w.clone('fresh2');
    rmSync(join(fresh.dir, '.tufci.yaml'));
    const r = await fresh.tufci('setup', '--user', '@fresh', '--keyfile', fresh.keyfile);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(
      'Added .tufci.yaml to .git/info/exclude: your settings stay out of commits.',
    );
    const exclude = join(fresh.dir, '.git', 'info', 'exclude');
    expect(
      readFileSync(exclude, 'utf8')
        .split('\n')
        .filter((l) => l === '.tufci.yaml'),
    ).toHaveLength(1);
    expect(git(fresh.dir, 'status', '--porcelain')).toBe('');
    expect(git(fresh.dir, 'check-ignore', '-v', '.tufci.yaml')).toContain('.git/info/exclude');
    const again = await fresh.tufci('setup', '--user', '@fresh', '--keyfile', fresh.keyfile);
    expect(again.code, again.err).toBe(0);
    expect(again.out).not.toContain('Added .tufci.yaml');
    expect(
      readFileSync(exclude, 'utf8')
        .split('\n')
        .filter((l) => l === '.tufci.yaml'),
    ).toHaveLength(1);
  });

  it('init by a maintainer who does not sign: every signer is invited', async () => {
    // no key at all: a signer would need a YubiKey that is not there
    writeFileSync(join(maint.dir, '.tufci.yaml'), 'user-name: "@maint"\nsigning-method: pkcs11\n');
    w.sync(maint, 'main');
    const r = await maint.tufci(...w.initArgs([alice, bob], 2));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(
      'Created root and targets; you (@maint) do not sign them, so every signer is invited.',
    );
    expect(r.out).toContain('Invited @alice to root, targets: they run `tufci sign sign/init`.');
    expect(r.out).toContain('Invited @bob to root, targets: they run `tufci sign sign/init`.');
    for (const c of [alice, bob]) {
      const s = await c.tufci('sign', 'sign/init', '--yes');
      expect(s.code, s.err).toBe(0);
      expect(s.out).toContain('Accepted the invite');
    }
    // bob's key joined root after alice signed it: she signs the new root again
    const again = await alice.tufci('sign', 'sign/init', '--yes');
    expect(again.out, again.err).toContain('Signed root.');
    w.sync(ci, 'sign/init');
    const st = await ci.tufci('status');
    expect(st.out, st.err).toContain('COMPLETE');
    w.merge('sign/init');
    w.sync(ci, 'main');
    expect((await ci.tufci('online-sign', '--push')).code).toBe(0);
  });

  it('signing before CI updated the event: waiting for CI', async () => {
    w.pushFiles(alice, 'sign/add', { 'targets/a.txt': 'a\n' });
    const r = await bob.tufci('sign', 'sign/add', '--yes');
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'error: event sign/add: waiting for CI to update this event (or run `tufci event update`): the metadata of targets does not match the branch yet',
    );
    w.sync(bob, 'sign/add');
    const st = await bob.tufci('status');
    expect(st.out).toContain('waiting for CI to update this event (or run `tufci event update`)');
    expect(st.out.split('\n').at(-1)).toBe(
      'Next: waiting for CI to update this event (or run `tufci event update --push`)',
    );
  });

  it('a sign with nothing left to do exits 0 and says so', async () => {
    w.sync(ci, 'sign/add');
    expect((await ci.tufci('event', 'update', '--push')).code).toBe(0);
    expect((await bob.tufci('sign', 'sign/add', '--yes')).code).toBe(0);
    const again = await bob.tufci('sign', 'sign/add', '--yes');
    expect(again.code).toBe(0);
    expect(again.err).toBe('');
    expect(again.out).toBe(
      'Nothing left to do: no signature is required from @bob in sign/add (you have signed it already).',
    );
    const notMine = await maint.tufci('sign', 'sign/add', '--yes');
    expect(notMine.code, notMine.err).toBe(0);
    expect(notMine.out).toBe(
      'Nothing left to do: no signature is required from @maint in sign/add (you do not sign the roles it changes).',
    );
  });
});
