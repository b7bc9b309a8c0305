/**
 * The projects layout (claimed / recently-claimed) through the real CLI on a real bare
 * git remote: claim, a maintainer's key signs at once, a key added by a maintainer
 * signs at once, promote (also staged, mid-promotion: a diamond), remove; python-tuf's
 * ngclient and tuf-js (`tufci verify`) verify project targets at every step.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ngclient } from '../helpers/python-tuf.js';
import type { DownloadedTarget } from '../helpers/python-tuf.js';
import { serveDir } from '../helpers/static-server.js';
import { World, git } from '../helpers/world.js';
import type { Clone } from '../helpers/world.js';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

interface Status {
  complete: boolean;
  roles: { role: string; complete: boolean; online?: boolean }[];
}

describe('projects layout: claim, maintainer keys, promote, remove', () => {
  const w = new World();
  afterAll(() => w.cleanup());
  const admin = w.clone('admin');
  const alice = w.clone('alice');
  const bob = w.clone('bob');
  const carol = w.clone('carol');
  const ci = w.ci();
  const site = join(w.root, 'site');
  // clients keep their trusted state between steps, as deployed clients do
  const tufjsCache = join(w.root, 'tufjs-cache');
  const pyCache = mkdtempSync(join(w.root, 'py-'));
  const content: Record<string, string> = {};

  const ok = (what: string, r: { code: number; out: string; err: string }): string => {
    expect(r.err, `${what}: ${r.out}`).toBe('');
    expect(r.code, what).toBe(0);
    return r.out;
  };
  const status = async (event: string): Promise<Status> => {
    w.sync(ci, event);
    return JSON.parse(ok('status', await ci.tufci('status', '--json'))) as Status;
  };
  const ciUpdate = async (event: string): Promise<void> => {
    w.sync(ci, event);
    ok(`event update ${event}`, await ci.tufci('event', 'update', '--push'));
  };
  const mergePublish = async (event: string): Promise<string> => {
    expect((await status(event)).complete, `${event} complete`).toBe(true);
    w.merge(event);
    w.sync(ci, 'main');
    const out = ok('online-sign', await ci.tufci('online-sign', '--push'));
    ok('publish', await ci.tufci('publish', '--to', `dir:${site}`));
    return out;
  };
  const addFiles = async (c: Clone, event: string, files: Record<string, string>) => {
    w.pushFiles(
      c,
      event,
      Object.fromEntries(Object.entries(files).map(([p, t]) => [`targets/${p}`, t])),
    );
    Object.assign(content, files);
    await ciUpdate(event);
  };
  /** Both clients, from their kept trusted state: each of `present` verifies, each of `absent` is not found. */
  const verifyBoth = async (present: string[], absent: string[] = []): Promise<void> => {
    for (const path of present) {
      const out = join(w.root, 'verified');
      ok(
        `tufci verify ${path}`,
        await ci.tufci(
          'verify',
          '--from',
          `dir:${site}`,
          '--cache',
          tufjsCache,
          '--target',
          path,
          '--out',
          out,
        ),
      );
      expect(readFileSync(out, 'utf8')).toBe(content[path]);
    }
    for (const path of absent) {
      const v = await ci.tufci(
        'verify',
        '--from',
        `dir:${site}`,
        '--cache',
        tufjsCache,
        '--target',
        path,
      );
      expect(v.code, path).toBe(3);
      expect(v.err).toContain('not found');
    }
    const server = await serveDir(site);
    try {
      const res = await ngclient({
        trustedRoot: join(site, '1.root.json'),
        baseUrl: server.url,
        workDir: pyCache,
        targets: [...present, ...absent],
      });
      expect(res.error).toBeUndefined();
      for (const path of present)
        expect((res.targets[path] as DownloadedTarget).sha256, path).toBe(sha256(content[path]!));
      for (const path of absent) expect(res.targets[path], path).toBeNull();
    } finally {
      await server.close();
    }
  };

  it('init --layout projects: targets delegates to claimed (offline) and recently-claimed (online)', async () => {
    await w.bootstrap([admin], 1, ['--layout', 'projects', '--bins', '4']);
    w.sync(ci, 'main');
    const t = JSON.parse(readFileSync(join(ci.dir, 'metadata/targets.json'), 'utf8'));
    expect(t.signed.delegations.roles.map((r: { name: string }) => r.name)).toEqual([
      'claimed',
      'recently-claimed',
    ]);
    const rc = JSON.parse(readFileSync(join(ci.dir, 'metadata/recently-claimed.json'), 'utf8'));
    // signed by the online key on main, by online-sign
    expect(rc.signatures).toHaveLength(1);
    expect(rc.signatures[0].keyid).toBe(t.signed.delegations.roles[1].keyids[0]);
    ok('publish', await ci.tufci('publish', '--to', `dir:${site}`));
  });

  it('a claim is signed by its maintainer and online; the maintainer signs targets at once', async () => {
    const out = ok(
      'claim',
      await alice.tufci('project', 'claim', 'app', '--maintainers', '@alice'),
    );
    expect(out).toMatch(/Claimed app in recentbin-[0-9a-f]{4}/);
    const st = await status('sign/claim-app');
    expect(st.complete).toBe(true);
    const online = st.roles.filter((r) => r.online).map((r) => r.role);
    expect(online).toContain('recently-claimed');
    expect(online.some((r) => r.startsWith('recentbin-'))).toBe(true);
    expect(st.roles.map((r) => r.role)).toEqual(
      expect.arrayContaining(['keys-app', 'targets-app']),
    );
    const signed = await mergePublish('sign/claim-app');
    expect(signed).toMatch(/recentbin-[0-9a-f]{4}/);

    await addFiles(alice, 'sign/app-v1', { 'app/app-1.0.tgz': 'app one\n' });
    const pending = await status('sign/app-v1');
    expect(pending.roles.map((r) => r.role)).toEqual(['targets-app']);
    expect(pending.complete).toBe(false);
    ok('sign', await alice.tufci('sign', 'sign/app-v1', '--yes'));
    await mergePublish('sign/app-v1');
    await verifyBoth(['app/app-1.0.tgz'], ['app/missing.tgz']);
  });

  it('a key a maintainer adds to keys-<project> signs targets-<project> at once', async () => {
    const out = ok(
      'keys',
      await alice.tufci(
        'project',
        'keys',
        'app',
        '--maintainers',
        '@alice,@bob',
        '--key',
        `@bob=${bob.pubfile}`,
      ),
    );
    expect(out).toContain('keys-app');
    expect(out).toContain('Signed keys-app as @alice');
    await mergePublish('sign/keys-app');
    // bob alone (threshold 1) signs a new app release: no admin, no promotion needed
    await addFiles(bob, 'sign/app-v2', { 'app/app-2.0.tgz': 'app two\n' });
    expect((await status('sign/app-v2')).complete).toBe(false);
    ok('sign', await bob.tufci('sign', 'sign/app-v2', '--yes'));
    await mergePublish('sign/app-v2');
    await verifyBoth(['app/app-1.0.tgz', 'app/app-2.0.tgz']);
  });

  it('bob cannot change keys-app before his key is promoted', async () => {
    const r = await bob.tufci(
      'project',
      'keys',
      'app',
      '--maintainers',
      '@alice,@bob,@carol',
      '--key',
      `@carol=${carol.pubfile}`,
      '--event',
      'sign/keys-app-bob',
      '--no-push',
    );
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('Signed keys-app');
  });

  it('promote moves recently-claimed projects into claimed bins, in one event listing each promotion', async () => {
    // a second project, claimed by bob, who then adds carol
    ok('claim lib', await bob.tufci('project', 'claim', 'lib', '--maintainers', '@bob'));
    await mergePublish('sign/claim-lib');
    await addFiles(bob, 'sign/lib-v1', { 'lib/lib-1.0.tgz': 'lib one\n' });
    ok('sign', await bob.tufci('sign', 'sign/lib-v1', '--yes'));
    await mergePublish('sign/lib-v1');
    await verifyBoth(['app/app-2.0.tgz', 'lib/lib-1.0.tgz']);

    const out = ok('promote', await admin.tufci('project', 'promote'));
    expect(out).toContain('Promotions (2):');
    expect(out).toMatch(
      /app: moved from recentbin-[0-9a-f]{4} to claimedbin-[0-9a-f]{4} with keys @alice, @bob \(threshold 1\)|app: moved from recentbin-[0-9a-f]{4} to claimedbin-[0-9a-f]{4} with keys @bob, @alice \(threshold 1\)/,
    );
    expect(out).toMatch(
      /lib: moved from recentbin-[0-9a-f]{4} to claimedbin-[0-9a-f]{4} with keys @bob/,
    );
    const st = await status('sign/promote');
    expect(st.complete).toBe(true);
    expect(st.roles.map((r) => r.role)).toEqual(
      expect.arrayContaining(['claimed', 'recently-claimed']),
    );
    await mergePublish('sign/promote');
    const rc = JSON.parse(readFileSync(join(ci.dir, 'metadata/recently-claimed.json'), 'utf8'));
    expect(rc.signed.delegations.roles).toEqual([]);
    // clients that trusted the recently-claimed path follow the move
    await verifyBoth(['app/app-1.0.tgz', 'app/app-2.0.tgz', 'lib/lib-1.0.tgz']);
    // nothing left to promote
    const again = ok(
      'promote again',
      await admin.tufci('project', 'promote', '--event', 'sign/promote-2'),
    );
    expect(again).toContain('Nothing to promote');
  });

  it('a staged promotion (mid-promotion diamond) verifies against the delegator of the search path', async () => {
    // carol claims "tool"; bob is added; promote --keep-recent leaves it in both layers
    ok('claim tool', await carol.tufci('project', 'claim', 'tool', '--maintainers', '@carol'));
    await mergePublish('sign/claim-tool');
    // both clients trust keys-tool through the recentbin before the move
    await addFiles(carol, 'sign/tool-v0', { 'tool/tool-0.1.tgz': 'tool zero\n' });
    ok('sign', await carol.tufci('sign', 'sign/tool-v0', '--yes'));
    await mergePublish('sign/tool-v0');
    await verifyBoth(['tool/tool-0.1.tgz']);
    ok('keys tool', await carol.tufci('project', 'keys', 'tool', '--maintainers', '@carol,@bob'));
    await mergePublish('sign/keys-tool');
    // lib is claimed already: bob adds carol; the promotion copies her key into lib's bin
    ok(
      'keys lib',
      await bob.tufci(
        'project',
        'keys',
        'lib',
        '--maintainers',
        '@bob,@carol',
        '--key',
        `@carol=${carol.pubfile}`,
      ),
    );
    await mergePublish('sign/keys-lib');
    const out = ok(
      'promote --keep-recent',
      await admin.tufci('project', 'promote', '--keep-recent', '--event', 'sign/promote-staged'),
    );
    expect(out).toContain('Promotions (2):');
    expect(out).toMatch(/tool: moved from recentbin-[0-9a-f]{4} to claimedbin-[0-9a-f]{4}.*stays/);
    expect(out).toMatch(
      /lib: promoted keys in claimedbin-[0-9a-f]{4}: @bob \(threshold 1\) → (@bob, @carol|@carol, @bob) \(threshold 1\)/,
    );
    await mergePublish('sign/promote-staged');
    w.sync(ci, 'main');
    const rc = JSON.parse(readFileSync(join(ci.dir, 'metadata/recently-claimed.json'), 'utf8'));
    expect(rc.signed.delegations.roles).toHaveLength(1);
    // bob's key is promoted in the claimed bin only: the recentbin still lists carol alone.
    // bob (alone) changes keys-tool; it verifies through claimedbin, not through recentbin.
    ok(
      'keys tool by bob',
      await bob.tufci(
        'project',
        'keys',
        'tool',
        '--maintainers',
        '@bob',
        '--event',
        'sign/keys-tool-2',
      ),
    );
    await mergePublish('sign/keys-tool-2');
    // the diamond: keys-tool is delegated by both bins, under different keys, and its new
    // version is signed by bob alone, whom only the claimed bin lists
    const meta = (role: string) =>
      JSON.parse(readFileSync(join(ci.dir, `metadata/${role}.json`), 'utf8'));
    const parents = ['claimed', 'recently-claimed'].map(
      (layer) =>
        meta(layer).signed.delegations.roles.find((r: { paths: string[] }) =>
          r.paths.includes('tool/*'),
        ).name as string,
    );
    const [viaClaimed, viaRecent] = parents.map(
      (bin) =>
        meta(bin).signed.delegations.roles.find((r: { name: string }) => r.name === 'keys-tool')
          .keyids as string[],
    );
    const keysTool = meta('keys-tool');
    const sigs = keysTool.signatures.map((s: { keyid: string }) => s.keyid) as string[];
    expect(sigs).toHaveLength(1);
    expect(viaClaimed).toContain(sigs[0]);
    expect(viaRecent).not.toContain(sigs[0]);
    await addFiles(bob, 'sign/tool-v1', { 'tool/tool-1.0.tgz': 'tool one\n' });
    ok('sign', await bob.tufci('sign', 'sign/tool-v1', '--yes'));
    await mergePublish('sign/tool-v1');
    await verifyBoth(['tool/tool-0.1.tgz', 'tool/tool-1.0.tgz', 'app/app-2.0.tgz']);
    // a fresh client (no kept state) too
    const fresh = await ci.tufci(
      'verify',
      '--from',
      `dir:${site}`,
      '--no-cache',
      '--target',
      'tool/tool-1.0.tgz',
    );
    ok('fresh verify', fresh);
    // the next promote finishes the move
    const fin = ok('promote', await admin.tufci('project', 'promote', '--event', 'sign/promote-3'));
    expect(fin).toMatch(/tool: recently-claimed entry in recentbin-[0-9a-f]{4} removed/);
    await mergePublish('sign/promote-3');
    await verifyBoth(['tool/tool-1.0.tgz']);
  });

  it('remove takes a project out; its targets are no longer found', async () => {
    const out = ok('remove', await admin.tufci('project', 'remove', 'app'));
    expect(out).toMatch(/Removed app from claimedbin-[0-9a-f]{4}/);
    await mergePublish('sign/remove-app');
    w.sync(ci, 'main');
    expect(() => readFileSync(join(ci.dir, 'metadata/keys-app.json'))).toThrow();
    expect(() => readFileSync(join(ci.dir, 'targets/app/app-1.0.tgz'))).toThrow();
    await verifyBoth(['lib/lib-1.0.tgz', 'tool/tool-1.0.tgz'], ['app/app-1.0.tgz']);
  });

  it('a removed project claimed again continues above the versions clients saw', async () => {
    const snap = () => JSON.parse(readFileSync(join(ci.dir, 'metadata/snapshot.json'), 'utf8'));
    // the removed roles stay listed in snapshot (clients refuse a snapshot that drops one)
    const before = snap().signed.meta['keys-app.json'].version as number;
    expect(before).toBeGreaterThan(1);
    ok(
      'claim app again',
      await carol.tufci(
        'project',
        'claim',
        'app',
        '--maintainers',
        '@carol',
        '--event',
        'sign/claim-app-again',
      ),
    );
    await mergePublish('sign/claim-app-again');
    expect(snap().signed.meta['keys-app.json'].version).toBe(before + 1);
    await addFiles(carol, 'sign/app-v3', { 'app/app-3.0.tgz': 'app three, new owner\n' });
    ok('sign', await carol.tufci('sign', 'sign/app-v3', '--yes'));
    await mergePublish('sign/app-v3');
    await verifyBoth(['app/app-3.0.tgz', 'lib/lib-1.0.tgz'], ['app/app-1.0.tgz']);
  });

  it('bad input: duplicate claim, bad name, unknown project, no key: clear errors, nothing written', async () => {
    const dup = await carol.tufci(
      'project',
      'claim',
      'lib',
      '--maintainers',
      '@carol',
      '--event',
      'sign/claim-lib-again',
    );
    expect(dup.code).toBe(1);
    expect(dup.err).toMatch(/project lib: already claimed \(in claimedbin-[0-9a-f]{4}\)/);
    const bad = await carol.tufci('project', 'claim', 'Bad/Name', '--maintainers', '@carol');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('project: "Bad/Name" is not a project name');
    const reserved = await carol.tufci('project', 'claim', 'keys-x', '--maintainers', '@carol');
    expect(reserved.err).toContain('is reserved');
    const unknown = await carol.tufci('project', 'remove', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('project nope: no such project');
    const keys = await carol.tufci('project', 'keys', 'nope', '--maintainers', '@carol');
    expect(keys.err).toContain('project nope: no such project');
    const nokey = await carol.tufci('project', 'claim', 'newp', '--maintainers', '@zed');
    expect(nokey.code).toBe(1);
    expect(nokey.err).toContain('--maintainers: no key known for @zed; pass --key @zed=FILE');
    for (const r of [dup, bad, unknown, keys, nokey]) expect(r.err).not.toContain('    at ');
    // refused before anything was written: the clone's metadata and targets are untouched
    expect(git(carol.dir, 'status', '--porcelain', '--', 'metadata', 'targets')).toBe('');
    w.sync(carol, 'main');
  });

  it('promote leaves out keys that were merged without the promoted keys’ signatures', async () => {
    const w2 = new World();
    try {
      const [adm, al, eve] = [w2.clone('adm'), w2.clone('al'), w2.clone('eve')];
      await w2.bootstrap([adm], 1, ['--layout', 'projects', '--bins', '2']);
      ok('claim', await al.tufci('project', 'claim', 'app', '--maintainers', '@al'));
      w2.merge('sign/claim-app');
      // eve adds herself; she cannot sign keys-app, and the event is merged anyway
      const r = await eve.tufci(
        'project',
        'keys',
        'app',
        '--maintainers',
        '@al,@eve',
        '--key',
        `@eve=${eve.pubfile}`,
      );
      expect(r.code).toBe(0);
      expect(r.out).not.toContain('Signed keys-app');
      w2.merge('sign/keys-app');
      const p = ok('promote', await adm.tufci('project', 'promote'));
      expect(p).toMatch(
        /app: not moved: keys-app v2 is signed by 0 of the 1 promoted key\(s\) recentbin-000[01] requires/,
      );
      expect(p).toContain('Nothing to promote');
      expect(w2.remoteRef('sign/promote')).toBeUndefined();
    } finally {
      w2.cleanup();
    }
  });

  it('a flat repository refuses project commands, naming the layout', async () => {
    const w2 = new World();
    try {
      const a = w2.clone('a');
      await w2.bootstrap([a], 1);
      const r = await a.tufci('project', 'claim', 'x', '--maintainers', '@a');
      expect(r.code).toBe(1);
      expect(r.err).toContain('not a projects layout');
      expect(r.err).toContain('tufci init --layout projects');
    } finally {
      w2.cleanup();
    }
  });
});
