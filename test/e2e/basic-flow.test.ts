import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { World, git } from '../helpers/world.js';

describe('bootstrap, 2-of-3 signing, online signing, publish, verify', () => {
  const w = new World();
  afterAll(() => w.cleanup());
  const alice = w.clone('alice');
  const bob = w.clone('bob');
  const carol = w.clone('carol');

  it('bootstraps with invites and collects signatures', async () => {
    const init = await alice.tufci(...w.initArgs([alice, bob, carol], 2));
    expect(init.err).toBe('');
    expect(init.code).toBe(0);
    expect(init.out).toContain('Invited @bob to root, targets');

    const b = await bob.tufci('sign', 'sign/init', '--yes');
    expect(b.err).toBe('');
    expect(b.out).toContain('Accepted the invite');
    const c = await carol.tufci('sign', 'sign/init', '--yes');
    expect(c.code).toBe(0);

    const ci = w.ci('sign/init');
    const st = await ci.tufci('status', '--json');
    const status = JSON.parse(st.out);
    expect(status.complete).toBe(false);
    expect(Object.keys(status.invites)).toEqual([]);

    const a = await alice.tufci('sign', 'sign/init', '--yes');
    expect(a.err).toBe('');
    expect(a.code).toBe(0);
    const ci2 = w.ci('sign/init');
    const st2 = JSON.parse((await ci2.tufci('status', '--json')).out);
    expect(st2.complete).toBe(true);
  });

  it('merges, signs online, publishes and verifies', async () => {
    w.merge('sign/init');
    const ci = w.ci();
    const on = await ci.tufci('online-sign', '--push');
    expect(on.err).toBe('');
    expect(on.out).toContain('Signed snapshot, timestamp');

    // artifact event
    git(alice.dir, 'fetch', '-q', 'origin');
    git(alice.dir, 'checkout', '-q', '-B', 'sign/add-app', 'origin/main');
    mkdirSync(join(alice.dir, 'targets'), { recursive: true });
    writeFileSync(join(alice.dir, 'targets', 'app.txt'), 'hello world\n');
    git(alice.dir, 'add', 'targets');
    git(alice.dir, 'commit', '-qm', 'add app');
    git(alice.dir, 'push', '-q', 'origin', 'sign/add-app');

    const ci2 = w.ci('sign/add-app');
    const up = await ci2.tufci('event', 'update', '--push');
    expect(up.err).toBe('');
    expect(up.out).toContain('targets: version 2');
    const again = await ci2.tufci('event', 'update', '--push');
    expect(again.err).toBe('');
    expect(again.out).toContain('nothing to commit');

    expect((await bob.tufci('sign', 'sign/add-app', '--yes')).code).toBe(0);
    const cs = await carol.tufci('sign', 'sign/add-app', '--yes');
    expect(cs.out).toContain('added    "app.txt"');
    const ci3 = w.ci('sign/add-app');
    expect(JSON.parse((await ci3.tufci('status', '--json')).out).complete).toBe(true);

    w.merge('sign/add-app');
    const ci4 = w.ci();
    expect((await ci4.tufci('online-sign', '--push')).code).toBe(0);
    const pub = await ci4.tufci('publish', '--to', `dir:${join(w.root, 'site')}`);
    expect(pub.err).toBe('');
    // index.html, the status page, is tested in a browser: test/browser/status-page.test.ts
    const v = await ci4.tufci(
      'verify',
      '--from',
      `dir:${join(w.root, 'site')}`,
      '--target',
      'app.txt',
      '--out',
      join(w.root, 'app.out'),
    );
    expect(v.err).toBe('');
    expect(v.code).toBe(0);
    expect(readFileSync(join(w.root, 'app.out'), 'utf8')).toBe('hello world\n');
  });
});
