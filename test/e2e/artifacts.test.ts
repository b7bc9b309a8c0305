/**
 * Artifact signing events on a real bare git remote: add, modify and remove
 * artifacts in targets/ (2-of-3) and in a delegated role targets/<role>/ whose
 * signer joins through an invite; status before and after every signature; then
 * publish and verify with tuf-js and python-tuf.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keyId, tufKeyFromPublicPem } from '../../lib/tuf/keys.js';
import { ngclient } from '../helpers/python-tuf.js';
import type { DownloadedTarget } from '../helpers/python-tuf.js';
import { serveDir } from '../helpers/static-server.js';
import { World, git } from '../helpers/world.js';
import type { Clone } from '../helpers/world.js';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

interface Req {
  threshold: number;
  signedCount: number;
  met: boolean;
  signers: { name: string; signed: boolean }[];
}
interface RoleSt {
  role: string;
  version: number;
  current: Req;
  previous?: Req;
  invites: string[];
  complete: boolean;
}
interface Change {
  role: string;
  added: { path: string; sha256: string }[];
  modified: { path: string; sha256: string; old: { sha256: string } }[];
  removed: { path: string }[];
}
interface Status {
  event: string;
  complete: boolean;
  invites: Record<string, string[]>;
  roles: RoleSt[];
  changes: Change[];
}

describe('artifact events in targets/ and in a delegated role', () => {
  const w = new World();
  afterAll(() => w.cleanup());
  const alice = w.clone('alice');
  const bob = w.clone('bob');
  const carol = w.clone('carol');
  const dave = w.clone('dave');
  const ci = w.ci();

  /** `tufci status --json` of an event, as CI sees it. */
  const status = async (event: string): Promise<Status> => {
    w.sync(ci, event);
    const r = await ci.tufci('status', '--json');
    expect(r.err).toBe('');
    return JSON.parse(r.out) as Status;
  };
  const signedBy = (r: RoleSt | undefined): string[] =>
    (r?.current.signers ?? []).filter((s) => s.signed).map((s) => s.name);
  const sign = async (c: Clone, event: string): Promise<string> => {
    const r = await c.tufci('sign', event, '--yes');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    return r.out;
  };
  const ciUpdate = async (event: string): Promise<string> => {
    w.sync(ci, event);
    const r = await ci.tufci('event', 'update', '--push');
    expect(r.err).toBe('');
    return r.out;
  };
  const mergeAndSignOnline = async (event: string): Promise<void> => {
    w.merge(event);
    w.sync(ci, 'main');
    const r = await ci.tufci('online-sign', '--push');
    expect(r.err).toBe('');
    expect(r.out).toContain('snapshot: content changed');
  };

  it('bootstraps a 2-of-3 repository', async () => {
    await w.bootstrap([alice, bob, carol], 2);
    expect(w.remoteRef('main')).toBeDefined();
  });

  it('adds artifacts in targets/: 2 of 3 signatures, status after each', async () => {
    w.pushFiles(alice, 'sign/add', {
      'targets/a.txt': 'alpha v1\n',
      'targets/b.txt': 'bravo\n',
    });
    expect(await ciUpdate('sign/add')).toContain('targets: version 2');

    const s0 = await status('sign/add');
    expect(s0.complete).toBe(false);
    expect(s0.roles.map((r) => r.role)).toEqual(['targets']);
    expect(s0.roles[0]).toMatchObject({
      version: 2,
      complete: false,
      current: { threshold: 2, signedCount: 0, met: false },
    });
    expect(s0.changes[0]!.added.map((a) => [a.path, a.sha256])).toEqual([
      ['a.txt', sha256('alpha v1\n')],
      ['b.txt', sha256('bravo\n')],
    ]);
    expect(s0.changes[0]!.modified).toEqual([]);
    expect(s0.changes[0]!.removed).toEqual([]);

    const out = await sign(bob, 'sign/add');
    expect(out).toContain('+ added    "a.txt"');
    expect(out).toContain('+ added    "b.txt"');
    const s1 = await status('sign/add');
    expect(s1.complete).toBe(false);
    expect(s1.roles[0]!.current).toMatchObject({ signedCount: 1, met: false });
    expect(signedBy(s1.roles[0])).toEqual(['@bob']);

    await sign(carol, 'sign/add');
    const s2 = await status('sign/add');
    expect(s2.complete).toBe(true);
    expect(s2.roles[0]!.current).toMatchObject({ signedCount: 2, met: true });
    expect(signedBy(s2.roles[0]).sort()).toEqual(['@bob', '@carol']);

    // a third signature is not needed: nothing left to do
    const extra = await bob.tufci('sign', 'sign/add', '--yes');
    expect(extra.code).toBe(0);
    expect(extra.out).toContain('Nothing left to do: no signature is required from @bob');
    await mergeAndSignOnline('sign/add');
  });

  it('modifies and removes artifacts in targets/: status after each signature', async () => {
    w.pushFiles(carol, 'sign/change', {
      'targets/a.txt': 'alpha v2\n',
      'targets/b.txt': null,
    });
    await ciUpdate('sign/change');
    const s0 = await status('sign/change');
    expect(s0.roles[0]).toMatchObject({ role: 'targets', version: 3, complete: false });
    expect(s0.roles[0]!.current.signedCount).toBe(0);
    const c = s0.changes[0]!;
    expect(c.added).toEqual([]);
    expect(c.modified.map((m) => [m.path, m.old.sha256, m.sha256])).toEqual([
      ['a.txt', sha256('alpha v1\n'), sha256('alpha v2\n')],
    ]);
    expect(c.removed.map((r) => r.path)).toEqual(['b.txt']);

    const out = await sign(alice, 'sign/change');
    expect(out).toContain('~ modified "a.txt"');
    expect(out).toContain('- removed  "b.txt"');
    const s1 = await status('sign/change');
    expect(s1.complete).toBe(false);
    expect(signedBy(s1.roles[0])).toEqual(['@alice']);

    await sign(carol, 'sign/change');
    const s2 = await status('sign/change');
    expect(s2.complete).toBe(true);
    expect(signedBy(s2.roles[0]).sort()).toEqual(['@alice', '@carol']);
    await mergeAndSignOnline('sign/change');
  });

  it('creates a delegated role whose signer is invited; the invitee accepts and signs', async () => {
    const d = await alice.tufci(
      'delegate',
      'sign/deleg',
      'app',
      '--signers',
      '@dave',
      '--threshold',
      '1',
    );
    expect(d.err).toBe('');
    expect(d.out).toContain('Invited @dave to app');
    expect(w.remoteRef('sign/deleg')).toBeDefined();

    const s0 = await status('sign/deleg');
    expect(s0.complete).toBe(false);
    expect(s0.invites).toEqual({ '@dave': ['app'] });
    const app0 = s0.roles.find((r) => r.role === 'app')!;
    expect(app0).toMatchObject({ version: 1, invites: ['@dave'], complete: false });
    expect(app0.current.signers).toEqual([]);
    expect(signedBy(s0.roles.find((r) => r.role === 'targets'))).toEqual(['@alice']);

    const accepted = await sign(dave, 'sign/deleg');
    expect(accepted).toContain('Accepted the invite');
    expect(accepted).toContain('Signed app');
    // the invitee's key is in targets' delegations, owned by @dave, with a spec keyid
    const targets = JSON.parse(readFileSync(join(dave.dir, 'metadata/targets.json'), 'utf8'));
    const daveId = keyId(tufKeyFromPublicPem(readFileSync(dave.pubfile, 'utf8')));
    expect(targets.signed.delegations.keys[daveId]['x-tuf-on-ci-keyowner']).toBe('@dave');
    expect(targets.signed.delegations.roles).toEqual([
      expect.objectContaining({
        name: 'app',
        keyids: [daveId],
        threshold: 1,
        paths: ['app/*', 'app/*/*', 'app/*/*/*', 'app/*/*/*/*'],
      }),
    ]);

    const s1 = await status('sign/deleg');
    expect(s1.invites).toEqual({});
    expect(s1.roles.find((r) => r.role === 'app')).toMatchObject({ complete: true, invites: [] });
    // targets changed again when dave's key was added: the old signature no longer counts
    const t1 = s1.roles.find((r) => r.role === 'targets')!;
    expect(t1.current.signedCount).toBe(0);
    expect(s1.complete).toBe(false);

    await sign(alice, 'sign/deleg');
    const s2 = await status('sign/deleg');
    expect(s2.roles.find((r) => r.role === 'targets')!.current.signedCount).toBe(1);
    expect(s2.complete).toBe(false);
    await sign(bob, 'sign/deleg');
    const s3 = await status('sign/deleg');
    expect(s3.complete).toBe(true);
    await mergeAndSignOnline('sign/deleg');
  });

  it('adds, modifies and removes artifacts under targets/app/: only the delegated role changes', async () => {
    w.pushFiles(bob, 'sign/app-add', {
      'targets/app/v1.bin': 'app one\n',
      'targets/app/v2.bin': 'app two\n',
    });
    await ciUpdate('sign/app-add');
    const s0 = await status('sign/app-add');
    expect(s0.roles.map((r) => r.role)).toEqual(['app']);
    expect(s0.roles[0]).toMatchObject({ version: 2, current: { threshold: 1, signedCount: 0 } });
    expect(s0.changes[0]!.added.map((a) => a.path)).toEqual(['app/v1.bin', 'app/v2.bin']);
    // a targets signer is not asked
    const notMine = await alice.tufci('sign', 'sign/app-add', '--yes');
    expect(notMine.code).toBe(0);
    expect(notMine.out).toContain('Nothing left to do: no signature is required from @alice');
    await sign(dave, 'sign/app-add');
    const s1 = await status('sign/app-add');
    expect(s1.complete).toBe(true);
    expect(signedBy(s1.roles[0])).toEqual(['@dave']);
    await mergeAndSignOnline('sign/app-add');

    w.pushFiles(bob, 'sign/app-change', {
      'targets/app/v1.bin': 'app one, fixed\n',
      'targets/app/v2.bin': null,
    });
    await ciUpdate('sign/app-change');
    const s2 = await status('sign/app-change');
    expect(s2.roles.map((r) => [r.role, r.version, r.complete])).toEqual([['app', 3, false]]);
    expect(s2.changes[0]!.modified.map((m) => m.path)).toEqual(['app/v1.bin']);
    expect(s2.changes[0]!.removed.map((m) => m.path)).toEqual(['app/v2.bin']);
    const out = await sign(dave, 'sign/app-change');
    expect(out).toContain('~ modified "app/v1.bin"');
    expect(out).toContain('- removed  "app/v2.bin"');
    expect((await status('sign/app-change')).complete).toBe(true);
    await mergeAndSignOnline('sign/app-change');
  });

  it('publishes; tuf-js and python-tuf see exactly the current artifacts', async () => {
    w.sync(ci, 'main');
    const site = join(w.root, 'site');
    const pub = await ci.tufci('publish', '--to', `dir:${site}`);
    expect(pub.err).toBe('');
    const present: Record<string, string> = {
      'a.txt': 'alpha v2\n',
      'app/v1.bin': 'app one, fixed\n',
    };
    for (const [path, content] of Object.entries(present)) {
      const out = join(w.root, 'verified');
      const v = await ci.tufci('verify', '--from', `dir:${site}`, '--target', path, '--out', out);
      expect(v.err).toBe('');
      expect(readFileSync(out, 'utf8')).toBe(content);
    }
    for (const gone of ['b.txt', 'app/v2.bin']) {
      const v = await ci.tufci('verify', '--from', `dir:${site}`, '--target', gone);
      expect(v.code).toBe(3);
      expect(v.err).toContain(`target "${gone}": not found`);
    }

    const server = await serveDir(site);
    try {
      const res = await ngclient({
        trustedRoot: join(site, '1.root.json'),
        baseUrl: server.url,
        workDir: mkdtempSync(join(w.root, 'py-')),
        targets: [...Object.keys(present), 'b.txt', 'app/v2.bin'],
      });
      expect(res.error).toBeUndefined();
      for (const [path, content] of Object.entries(present)) {
        const t = res.targets[path] as DownloadedTarget;
        expect(t.sha256, path).toBe(sha256(content));
        expect(readFileSync(t.file, 'utf8')).toBe(content);
      }
      expect(res.targets['b.txt']).toBeNull();
      expect(res.targets['app/v2.bin']).toBeNull();
      // targets v4: add, change, delegation (and dave's key); app v3
      expect(res.versions).toMatchObject({ root: 1, targets: 4, app: 3 });
    } finally {
      await server.close();
    }
    expect(git(ci.dir, 'status', '--porcelain')).toBe('');
  });
});
