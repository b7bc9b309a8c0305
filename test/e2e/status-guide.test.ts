/**
 * `tufci status` guides, on a real git remote: it fetches first, lists every open
 * event and whom each waits for, warns when an event is behind the default branch on a
 * role it changes, reports on the default branch the roles below threshold, expired or
 * due, and always ends with the exact next command.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { World, git } from '../helpers/world.js';

const DAY = 86_400_000;
const last = (out: string): string => out.trim().split('\n').at(-1)!;

describe('status: events, the default branch, the next command', () => {
  const w = new World();
  const alice = w.clone('alice');
  const bob = w.clone('bob');
  const carol = w.clone('carol');
  const ci = w.ci();
  const ok = (what: string, r: { code: number; out: string; err: string }): string => {
    expect(r.code, `${what}: ${r.err}`).toBe(0);
    return r.out;
  };
  const update = async (branch: string): Promise<void> => {
    w.sync(ci, branch);
    ok(`event update ${branch}`, await ci.tufci('event', 'update', '--push'));
  };

  beforeAll(async () => {
    await w.bootstrap([alice, bob, carol], 2);
  }, 120_000);
  afterAll(() => w.cleanup());

  it('on main with nothing due: not a signing event, and nothing to do', async () => {
    w.sync(alice, 'main');
    const r = await alice.tufci('status');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('main is not a signing event (signing events are sign/* branches).');
    expect(r.out).toContain(
      'Every offline role is signed, above its threshold and outside its signing period.',
    );
    expect(last(r.out)).toBe('Next: nothing is due');
  });

  it('--all fetches and lists two open events and whom each waits for', async () => {
    w.pushFiles(bob, 'sign/a', { 'targets/a.txt': 'a\n' });
    w.pushFiles(bob, 'sign/b', { 'targets/b.txt': 'b\n' });
    await update('sign/a');
    await update('sign/b');
    w.sync(bob, 'sign/a');
    ok('bob signs sign/a', await bob.tufci('sign', 'sign/a', '--yes'));
    // alice's clone has not fetched the events: status fetches them
    expect(git(alice.dir, 'branch', '-r')).not.toContain('origin/sign/a');
    const r = await alice.tufci('status', '--all');
    expect(r.code, r.err).toBe(0);
    expect(r.out.split('\n')).toEqual([
      'sign/a (targets v2): waiting for @alice, @carol',
      'sign/b (targets v2): waiting for @alice, @bob, @carol',
      'Next: `tufci sign sign/a`',
    ]);
    // bob signed sign/a already: his next command is sign/b
    expect(last((await bob.tufci('status', '--all')).out)).toBe('Next: `tufci sign sign/b`');
    // --no-fetch uses what the last fetch saw
    const json = JSON.parse((await carol.tufci('status', '--all', '--no-fetch', '--json')).out);
    expect(json.events).toEqual([]);
    expect(json.next).toBe('Next: nothing to sign');
  });

  it('on an event: who is missing, and the next command for you', async () => {
    w.sync(carol, 'sign/a');
    const r = await carol.tufci('status');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Signing event sign/a: not complete');
    expect(last(r.out)).toBe('Next: `tufci sign sign/a`');
    w.sync(bob, 'sign/a');
    expect(last((await bob.tufci('status')).out)).toBe(
      'Next: nothing for you (@bob) to sign; waiting for @alice, @carol, who run `tufci sign sign/a`',
    );
  });

  it('warns when an event is behind main on a role it changes', async () => {
    for (const c of [alice, bob]) {
      w.sync(c, 'sign/b');
      ok(`${c.user} signs sign/b`, await c.tufci('sign', 'sign/b', '--yes'));
    }
    w.merge('sign/b');
    w.sync(ci, 'main');
    ok('online-sign', await ci.tufci('online-sign', '--push'));
    w.sync(carol, 'sign/a');
    const r = await carol.tufci('status');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(
      'Warning: sign/a is behind main on targets: main changed it since this event began (v1 then, v2 now); merging would undo that change.',
    );
    expect(last(r.out)).toBe(
      'Next: waiting for CI to bring this event up to date with main (or run `tufci event update --push`, which takes in origin/main); its roles are then signed again',
    );
    git(w.remote, 'branch', '-D', 'sign/a');
  });

  it('on main with roles below threshold: what is short, why, and the command that opens the event', async () => {
    // a root change removing bob from targets, merged before enough signers signed it
    w.sync(alice, 'main');
    ok(
      'delegate',
      await alice.tufci(
        'delegate',
        'sign/drop-bob',
        'targets',
        '--signers',
        '@alice,@carol',
        '--no-sign',
      ),
    );
    await update('sign/drop-bob');
    w.sync(alice, 'sign/drop-bob');
    ok('alice signs', await alice.tufci('sign', 'sign/drop-bob', '--yes'));
    w.merge('sign/drop-bob');
    w.sync(ci, 'main');
    const r = await ci.tufci('status');
    expect(r.code, r.err).toBe(0);
    const lines = r.out.split('\n');
    expect(lines).toContain('Roles that need a new signed version:');
    expect(lines).toContain(
      '  root v2: below threshold: 1 of 2 required signatures verify (signed by @alice; not by @bob, @carol): it was merged before enough signers signed it',
    );
    expect(lines).toContain(
      '  targets v3: below threshold: 1 of 2 required signatures verify (signed by @alice; not by @carol): it was merged before enough signers signed it',
    );
    expect(last(r.out)).toBe(
      'Next: `tufci bump-expiring` (opens sign/bump-root-v3, sign/bump-targets-v4; its signers then run `tufci sign <event>`)',
    );
    const json = JSON.parse((await ci.tufci('status', '--json')).out);
    expect(json.due.map((d: { role: string; problems: string[] }) => [d.role, d.problems])).toEqual(
      [
        ['root', ['below-threshold']],
        ['targets', ['below-threshold']],
      ],
    );

    // online-sign refuses, saying what is below threshold and why
    const o = await ci.tufci('online-sign');
    expect(o.code).toBe(1);
    expect(o.err).toBe(
      'error: metadata/root.json: role root v2 is below its threshold: 1 of 2 required signatures verify (signed by @alice; not by @bob, @carol): it was merged before enough signers signed it; an unsigned change reached this branch; not signing a snapshot over it',
    );

    // the command it names opens the events; status then points at them
    const b = await ci.tufci('bump-expiring');
    expect(b.code, b.err).toBe(0);
    expect(w.remoteBranches()).toEqual(
      expect.arrayContaining(['sign/bump-root-v3', 'sign/bump-targets-v4']),
    );
    w.sync(ci, 'main');
    const after = await ci.tufci('status');
    expect(after.out).toContain('  root: its event sign/bump-root-v3 is open.');
    expect(last(after.out)).toBe('Next: `tufci sign sign/bump-root-v3`');
  });
});

describe('status on main: roles due and expired, by the clock', () => {
  const w = new World();
  const alice = w.clone('alice');
  beforeAll(async () => {
    await w.bootstrap([alice], 1, ['--targets-expiry', '10', '--targets-signing', '3']);
  }, 120_000);
  afterAll(() => w.cleanup());

  it('a role in its signing period is due, with the command that opens its event', async () => {
    const start = w.now;
    w.now = new Date(start.getTime() + 8 * DAY);
    w.sync(alice, 'main');
    const r = await alice.tufci('status');
    expect(r.code, r.err).toBe(0);
    const expires = JSON.parse(git(w.remote, 'show', 'main:metadata/targets.json')).signed.expires;
    expect(r.out).toContain(`  targets v1: in its signing period (expires ${expires})`);
    expect(last(r.out)).toBe(
      'Next: `tufci bump-expiring` (opens sign/bump-targets-v2; its signers then run `tufci sign <event>`)',
    );

    w.now = new Date(start.getTime() + 11 * DAY);
    const late = await alice.tufci('status');
    expect(late.code, late.err).toBe(0);
    expect(late.out).toContain(`  targets v1: expired on ${expires}`);
    expect(last(late.out)).toBe(
      'Next: `tufci bump-expiring` (opens sign/bump-targets-v2; its signers then run `tufci sign <event>`)',
    );
  });
});
