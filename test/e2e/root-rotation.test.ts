/**
 * Root key rotation on a real bare git remote: one root signer (@carol) is
 * replaced by a new one (@dave, invited). The new root must meet both its own
 * threshold and the previous root's, so a signer who is only in the old root
 * can still be needed. Clients (tuf-js, python-tuf) then walk 1.root -> 2.root.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keyId, tufKeyFromPublicPem } from '../../lib/tuf/keys.js';
import { ngclient } from '../helpers/python-tuf.js';
import { serveDir } from '../helpers/static-server.js';
import { World, git } from '../helpers/world.js';
import type { Clone } from '../helpers/world.js';

interface Req {
  threshold: number;
  signedCount: number;
  met: boolean;
  signers: { name: string; signed: boolean }[];
}
interface RootStatus {
  complete: boolean;
  invites: Record<string, string[]>;
  roles: { role: string; version: number; current: Req; previous?: Req; complete: boolean }[];
}

describe('root key rotation needs both the new and the previous root threshold', () => {
  const w = new World();
  afterAll(() => w.cleanup());
  const alice = w.clone('alice');
  const bob = w.clone('bob');
  const carol = w.clone('carol');
  const dave = w.clone('dave');
  const ci = w.ci();
  const EVENT = 'sign/rot';
  const history1 = (): string => git(w.remote, 'show', 'main:metadata/root_history/1.root.json');
  let root1 = '';

  const rootStatus = async (): Promise<RootStatus['roles'][number] & { all: RootStatus }> => {
    w.sync(ci, EVENT);
    const r = await ci.tufci('status', '--json');
    expect(r.err).toBe('');
    const all = JSON.parse(r.out) as RootStatus;
    expect(all.roles.map((x) => x.role)).toEqual(['root']);
    return { ...all.roles[0]!, all };
  };
  const names = (q: Req | undefined, signed: boolean): string[] =>
    (q?.signers ?? [])
      .filter((s) => s.signed === signed)
      .map((s) => s.name)
      .sort();
  const sign = async (c: Clone): Promise<string> => {
    const r = await c.tufci('sign', EVENT, '--yes');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    return r.out;
  };

  it('replaces @carol with @dave in root; @dave is invited', async () => {
    await w.bootstrap([alice, bob, carol], 2);
    root1 = history1();
    const d = await alice.tufci('delegate', EVENT, 'root', '--signers', '@alice,@bob,@dave');
    expect(d.err).toBe('');
    expect(d.out).toContain('Invited @dave to root');
    expect(d.out).toContain('* signers of root: @alice, @bob, @carol; threshold 2 -> @alice, @bob');

    const s = await rootStatus();
    expect(s.version).toBe(2);
    expect(s.all.invites).toEqual({ '@dave': ['root'] });
    expect(names(s.current, true)).toEqual(['@alice']);
    expect(s.previous).toBeDefined();
    expect(names(s.previous, true)).toEqual(['@alice']);
    expect(names(s.previous, false)).toEqual(['@bob', '@carol']);
    expect(s.complete).toBe(false);
  });

  it('@dave accepts and signs; the new root is met, the previous is not', async () => {
    const out = await sign(dave);
    expect(out).toContain('Accepted the invite');
    const root = JSON.parse(readFileSync(join(dave.dir, 'metadata/root.json'), 'utf8'));
    const daveId = keyId(tufKeyFromPublicPem(readFileSync(dave.pubfile, 'utf8')));
    expect(root.signed.keys[daveId]['x-tuf-on-ci-keyowner']).toBe('@dave');
    expect(root.signed.roles.root.keyids).toContain(daveId);

    // adding dave's key changed root again, so alice's earlier signature was dropped
    const s1 = await rootStatus();
    expect(s1.all.invites).toEqual({});
    expect(names(s1.current, true)).toEqual(['@dave']);
    expect(s1.current.met).toBe(false);
    expect(s1.previous!.signedCount).toBe(0);

    await sign(bob);
    const s2 = await rootStatus();
    expect(s2.current).toMatchObject({ threshold: 2, signedCount: 2, met: true });
    expect(s2.previous).toMatchObject({ threshold: 2, signedCount: 1, met: false });
    expect(names(s2.previous, false)).toEqual(['@alice', '@carol']);
    expect(s2.complete).toBe(false);
    expect(s2.all.complete).toBe(false);
  });

  it('@carol, who is only in the previous root, signs and completes the rotation', async () => {
    const out = await sign(carol);
    expect(out).toContain('Signed root');
    const s = await rootStatus();
    expect(s.current.met).toBe(true);
    expect(s.previous).toMatchObject({ signedCount: 2, met: true });
    expect(names(s.previous, true)).toEqual(['@bob', '@carol']);
    expect(s.complete).toBe(true);
    expect(s.all.complete).toBe(true);
    // carol's signature is not one of the new root's keys
    expect(names(s.current, true)).toEqual(['@bob', '@dave']);
  });

  it('after merge, clients pinned to 1.root.json rotate to 2.root.json', async () => {
    w.merge(EVENT);
    // the known-good root is history: the rotation added 2.root.json and left 1.root.json alone
    expect(history1()).toBe(root1);
    expect(JSON.parse(git(w.remote, 'show', 'main:metadata/root_history/2.root.json'))).toEqual(
      JSON.parse(git(w.remote, 'show', 'main:metadata/root.json')),
    );
    w.sync(ci, 'main');
    expect((await ci.tufci('online-sign', '--push')).code).toBe(0);
    const site = join(w.root, 'site');
    expect((await ci.tufci('publish', '--to', `dir:${site}`)).err).toBe('');
    const v = await ci.tufci('verify', '--from', `dir:${site}`);
    expect(v.err).toBe('');
    const server = await serveDir(site);
    try {
      const res = await ngclient({
        trustedRoot: join(site, '1.root.json'),
        baseUrl: server.url,
        workDir: mkdtempSync(join(w.root, 'py-')),
        targets: [],
      });
      expect(res.error).toBeUndefined();
      expect(res.versions?.root).toBe(2);
    } finally {
      await server.close();
    }
    // carol no longer signs root: a root-only event does not ask her
    const again = await alice.tufci('delegate', 'sign/rot2', 'root', '--threshold', '1');
    expect(again.err).toBe('');
    const c = await carol.tufci('sign', 'sign/rot2', '--yes');
    expect(c.code).toBe(0);
    expect(c.out).toContain('Nothing left to do: no signature is required from @carol');
  });
});
