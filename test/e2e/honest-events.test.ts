/**
 * Events stay honest under key changes, on a real git remote: an event that changes
 * the keys a role is checked against bumps that role when its signatures would no
 * longer meet the new rule, so the event is incomplete until it is signed again, and
 * a merged event never leaves main below threshold (online-sign and publish work, and
 * python-tuf verifies the tree).
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ngclient } from '../helpers/python-tuf.js';
import { serveDir } from '../helpers/static-server.js';
import { World } from '../helpers/world.js';

interface Status {
  complete: boolean;
  roles: { role: string; complete: boolean; version: number }[];
}

describe('an event that removes a signer of targets', () => {
  const w = new World();
  const alice = w.clone('alice');
  const bob = w.clone('bob');
  const carol = w.clone('carol');
  const ci = w.ci();
  const status = async (): Promise<Status> =>
    JSON.parse((await ci.tufci('status', '--json')).out) as Status;

  beforeAll(async () => {
    // targets v1 is signed by alice and bob (2 of 3)
    await w.bootstrap([alice, bob, carol], 2);
  }, 120_000);
  afterAll(() => w.cleanup());

  it('bumps targets, whose signatures no longer meet the rule, and waits for them', async () => {
    w.sync(alice, 'main');
    const d = await alice.tufci(
      ...['delegate', 'sign/drop-bob', 'targets', '--signers', '@alice,@carol', '--no-sign'],
    );
    expect(d.code, d.err).toBe(0);
    w.sync(ci, 'sign/drop-bob');
    const up = await ci.tufci('event', 'update', '--push');
    expect(up.code, up.err).toBe(0);
    // delegate runs the same update as CI: targets, unchanged in content, is bumped
    expect(d.out).toContain('Role targets: version 1 -> 2');
    expect(up.out).toContain('Metadata is up to date');

    for (const c of [alice, carol]) {
      w.sync(c, 'sign/drop-bob');
      const r = await c.tufci('sign', 'sign/drop-bob', '--yes');
      expect(r.code, r.err).toBe(0);
      w.sync(ci, 'sign/drop-bob');
      const s = await status();
      const targets = s.roles.find((r2) => r2.role === 'targets');
      expect(targets?.version).toBe(2);
      // alice alone: root (2 of 3) and targets (1 of 2) are short; with carol both are met
      expect(s.complete).toBe(c === carol);
    }
  });

  it('after the merge, online-sign and publish work and python-tuf verifies', async () => {
    w.merge('sign/drop-bob');
    w.sync(ci, 'main');
    const o = await ci.tufci('online-sign', '--push');
    expect(o.code, o.err).toBe(0);
    const site = join(w.root, 'site');
    const p = await ci.tufci('publish', '--to', `dir:${site}`);
    expect(p.code, p.err).toBe(0);
    const server = await serveDir(site);
    try {
      const res = await ngclient({
        trustedRoot: join(site, '1.root.json'),
        baseUrl: server.url,
        workDir: mkdtempSync(join(w.root, 'py-')),
        targets: [],
      });
      expect(res.error).toBeUndefined();
      expect(res.versions?.targets).toBe(2);
    } finally {
      await server.close();
    }
  });
});
