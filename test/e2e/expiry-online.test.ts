/**
 * Time-driven work on a real bare git remote, with a fixed clock that the test
 * moves forward: online signing only when needed (current / content changed /
 * timestamp in its signing period), and expiry bump branches for offline roles
 * in their signing period (created once, skipped on rerun, then signed and merged).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addDays, tufDate } from '../../lib/tuf/envelope.js';
import { World, git } from '../helpers/world.js';

const DAY = 86_400_000;
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

interface Env<T> {
  signed: T & { version: number; expires: string };
  signatures: { keyid: string; sig: string }[];
}
type Meta = Record<string, { version: number; length?: number; hashes?: Record<string, string> }>;

describe('online signing and expiry bumps follow the clock', () => {
  const w = new World();
  afterAll(() => w.cleanup());
  const alice = w.clone('alice');
  const ci = w.ci();
  const read = <T>(path: string): Env<T> =>
    JSON.parse(readFileSync(join(ci.dir, path), 'utf8')) as Env<T>;
  const commitsOnMain = (): number => Number(git(w.remote, 'rev-list', '--count', 'main').trim());

  it('bootstraps (targets: 10-day expiry, 3-day signing period)', async () => {
    await w.bootstrap([alice], 1, ['--targets-expiry', '10', '--targets-signing', '3']);
    w.sync(ci, 'main');
    expect(read('metadata/timestamp.json').signed.version).toBe(1);
  });

  it('re-signs nothing while snapshot and timestamp are current', async () => {
    w.sync(ci, 'main');
    const before = w.remoteRef('main');
    const ts = readFileSync(join(ci.dir, 'metadata/timestamp.json'));
    const r = await ci.tufci('online-sign', '--push');
    expect(r.err).toBe('');
    expect(r.out).toContain('snapshot and timestamp are current; nothing to sign');
    expect(w.remoteRef('main')).toBe(before);
    expect(readFileSync(join(ci.dir, 'metadata/timestamp.json'))).toEqual(ts);
    expect(git(ci.dir, 'status', '--porcelain')).toBe('');
  });

  it('re-signs only the timestamp once it enters its signing period', async () => {
    // timestamp: 2-day expiry, 1-day signing period (defaults)
    w.now = new Date(w.now.getTime() + DAY - 60_000);
    w.sync(ci, 'main');
    const early = await ci.tufci('online-sign', '--push');
    expect(early.out).toContain('nothing to sign');

    w.now = new Date(w.now.getTime() + 2 * 60_000);
    const commits = commitsOnMain();
    const r = await ci.tufci('online-sign', '--push');
    expect(r.err).toBe('');
    expect(r.out).toContain('re-signing timestamp: in its signing period');
    expect(r.out).not.toContain('re-signing snapshot');
    expect(r.out).toContain('Signed timestamp with the online key.');
    expect(commitsOnMain()).toBe(commits + 1);
    w.sync(ci, 'main');
    const ts = read<{ meta: Meta }>('metadata/timestamp.json');
    expect(ts.signed.version).toBe(2);
    expect(ts.signed.expires).toBe(tufDate(addDays(w.now, 2)));
    expect(read('metadata/snapshot.json').signed.version).toBe(1);

    const again = await ci.tufci('online-sign', '--push');
    expect(again.out).toContain('nothing to sign');
    expect(commitsOnMain()).toBe(commits + 1);
  });

  it('re-signs snapshot and timestamp when offline content changes', async () => {
    w.pushFiles(alice, 'sign/add', { 'targets/x.txt': 'x marks the spot\n' });
    w.sync(ci, 'sign/add');
    expect((await ci.tufci('event', 'update', '--push')).err).toBe('');
    expect((await alice.tufci('sign', 'sign/add', '--yes')).code).toBe(0);
    w.merge('sign/add');
    w.sync(ci, 'main');
    const r = await ci.tufci('online-sign', '--push');
    expect(r.err).toBe('');
    expect(r.out).toContain('re-signing snapshot: content changed');
    expect(r.out).toContain('re-signing timestamp: content changed');
    w.sync(ci, 'main');
    const snap = read<{ meta: Meta }>('metadata/snapshot.json');
    expect(snap.signed.version).toBe(2);
    const targetsBytes = readFileSync(join(ci.dir, 'metadata/targets.json'));
    expect(snap.signed.meta['targets.json']).toEqual({
      version: 2,
      length: targetsBytes.length,
      hashes: { sha256: sha256(targetsBytes) },
    });
    const ts = read<{ meta: Meta }>('metadata/timestamp.json');
    expect(ts.signed.version).toBe(3);
    const snapBytes = readFileSync(join(ci.dir, 'metadata/snapshot.json'));
    expect(ts.signed.meta['snapshot.json']).toEqual({
      version: 2,
      length: snapBytes.length,
      hashes: { sha256: sha256(snapBytes) },
    });
  });

  it('opens sign/bump-targets-v3 when targets enters its signing period, once', async () => {
    w.sync(ci, 'main');
    const expires = new Date(read('metadata/targets.json').signed.expires);
    w.now = new Date(expires.getTime() - 3 * DAY - 60_000);
    const early = await ci.tufci('bump-expiring');
    expect(early.out).toContain(
      'No offline role is in its signing period, expired or below threshold.',
    );
    expect(w.remoteBranches().filter((b) => b.startsWith('sign/bump-'))).toEqual([]);

    w.now = new Date(expires.getTime() - 3 * DAY + 60_000);
    const r = await ci.tufci('bump-expiring');
    expect(r.err).toBe('');
    expect(r.out).toContain('opened sign/bump-targets-v3');
    expect(w.remoteBranches().filter((b) => b.startsWith('sign/bump-'))).toEqual([
      'sign/bump-targets-v3',
    ]);
    const bumped = JSON.parse(
      git(w.remote, 'show', 'sign/bump-targets-v3:metadata/targets.json'),
    ) as Env<{ targets: Record<string, unknown> }>;
    expect(bumped.signed.version).toBe(3);
    expect(bumped.signed.expires).toBe(tufDate(addDays(w.now, 10)));
    expect(bumped.signatures).toEqual([]);
    expect(Object.keys(bumped.signed.targets)).toEqual(['x.txt']);
    // the CI clone is back where it was, untouched: main still is the remote's main
    expect(git(ci.dir, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('main');
    expect(git(ci.dir, 'rev-parse', 'HEAD').trim()).toBe(w.remoteRef('main'));
    expect(git(ci.dir, 'status', '--porcelain')).toBe('');

    const ref = w.remoteRef('sign/bump-targets-v3');
    const rerun = await ci.tufci('bump-expiring');
    expect(rerun.err).toBe('');
    expect(rerun.out).toContain('sign/bump-targets-v3 already exists, skipped');
    expect(w.remoteRef('sign/bump-targets-v3')).toBe(ref);
    expect(w.remoteBranches().filter((b) => b.startsWith('sign/bump-'))).toHaveLength(1);
  });

  it('the bump event is signed, merged, signed online and verifies', async () => {
    w.sync(ci, 'sign/bump-targets-v3');
    const up = await ci.tufci('event', 'update', '--push');
    expect(up.out).toContain('nothing to commit');
    const st = JSON.parse((await ci.tufci('status', '--json')).out);
    expect(st.roles.map((r: { role: string; version: number }) => [r.role, r.version])).toEqual([
      ['targets', 3],
    ]);
    expect(st.complete).toBe(false);
    const s = await alice.tufci('sign', 'sign/bump-targets-v3', '--yes');
    expect(s.out).toContain('(no content change: version and expiry only)');
    w.merge('sign/bump-targets-v3');
    w.sync(ci, 'main');
    const on = await ci.tufci('online-sign', '--push');
    expect(on.out).toContain('re-signing snapshot: content changed');
    const site = join(w.root, 'site');
    expect((await ci.tufci('publish', '--to', `dir:${site}`)).err).toBe('');
    const v = await ci.tufci('verify', '--from', `dir:${site}`, '--target', 'x.txt');
    expect(v.err).toBe('');
    expect(v.out).toContain('Target "x.txt" verified');
    // nothing left to bump
    expect((await ci.tufci('bump-expiring')).out).toContain('No offline role');
  });
});
