/**
 * `tufci key rotate` on a real bare git remote: @alice signs root, targets and the
 * delegated role apps (alone); one event replaces her key in all three. The rotated
 * root must meet both its own threshold and the previous root's; after merge the
 * published repository verifies in python-tuf and her old key signs nothing.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keyId, tufKeyFromPublicPem } from '../../lib/tuf/keys.js';
import { ngclient } from '../helpers/python-tuf.js';
import type { DownloadedTarget } from '../helpers/python-tuf.js';
import { serveDir } from '../helpers/static-server.js';
import { World, git } from '../helpers/world.js';

interface Req {
  threshold: number;
  signedCount: number;
  met: boolean;
  signers: { name: string; signed: boolean }[];
}
interface Status {
  complete: boolean;
  roles: { role: string; version: number; current: Req; previous?: Req; complete: boolean }[];
}

interface RoleEntry {
  name: string;
  keyids: string[];
  threshold: number;
}
interface Md {
  signed: {
    roles: Record<string, RoleEntry>;
    keys: Record<string, Record<string, unknown>>;
    delegations: { keys: Record<string, Record<string, unknown>>; roles: RoleEntry[] };
  };
}

const idOf = (pubfile: string): string => keyId(tufKeyFromPublicPem(readFileSync(pubfile, 'utf8')));

describe('key rotate replaces a signer key in root, targets and delegated roles', () => {
  const w = new World();
  afterAll(() => w.cleanup());
  const alice = w.clone('alice');
  const bob = w.clone('bob');
  const ci = w.ci();
  const EVENT = 'sign/rotate-alice';
  const newKey = join(w.root, 'alice-new.pem');
  const oldId = idOf(alice.pubfile);
  let newId = '';
  const show = (path: string, rev = `origin/${EVENT}`): Md => {
    git(ci.dir, 'fetch', '-q', 'origin');
    return JSON.parse(git(ci.dir, 'show', `${rev}:${path}`));
  };
  const status = async (event: string): Promise<Status> => {
    w.sync(ci, event);
    const r = await ci.tufci('status', '--json');
    expect(r.err).toBe('');
    return JSON.parse(r.out) as Status;
  };
  const ok = async (p: Promise<{ code: number; out: string; err: string }>): Promise<string> => {
    const r = await p;
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    return r.out;
  };

  it('sets up root and targets 2-of-2 (@alice, @bob) and role apps signed by @alice alone', async () => {
    await w.bootstrap([alice, bob], 2);
    await ok(alice.tufci('delegate', 'sign/apps', 'apps', '--signers', '@alice'));
    w.pushFiles(alice, 'sign/apps', { 'targets/apps/a.txt': 'apps file\n' });
    w.sync(ci, 'sign/apps');
    await ok(ci.tufci('event', 'update', '--push'));
    await ok(alice.tufci('sign', 'sign/apps', '--yes'));
    await ok(bob.tufci('sign', 'sign/apps', '--yes'));
    expect((await status('sign/apps')).complete).toBe(true);
    w.merge('sign/apps');
    w.sync(ci, 'main');
    await ok(ci.tufci('online-sign', '--push'));
  });

  it('one event replaces the key everywhere, signed with the new and the old key', async () => {
    await ok(alice.tufci('key', 'generate', '--out', newKey));
    newId = idOf(`${newKey}.pub`);
    const out = await ok(alice.tufci('key', 'rotate', '--new-key', `${newKey}.pub`));
    expect(out).toContain("Rotated @alice's key in root, targets, apps");
    expect(out).toContain('Signed root, targets, apps with the new key.');
    expect(out).toContain("Signed root with the old key (the previous root's threshold).");

    const root = show('metadata/root.json').signed;
    for (const role of ['root', 'targets']) {
      expect(root.roles[role]!.keyids).toContain(newId);
      expect(root.roles[role]!.keyids).not.toContain(oldId);
      expect(root.roles[role]!.threshold).toBe(2);
    }
    expect(root.keys[newId]!['x-tuf-on-ci-keyowner']).toBe('@alice');
    expect(root.keys[oldId]).toBeUndefined();
    const d = show('metadata/targets.json').signed.delegations;
    const apps = d.roles.find((r) => r.name === 'apps')!;
    expect(apps.keyids).toEqual([newId]);
    expect(apps.threshold).toBe(1);
    expect(d.keys[newId]!['x-tuf-on-ci-keyowner']).toBe('@alice');
    expect(d.keys[oldId]).toBeUndefined();
    // the settings name the new key
    const settings = readFileSync(join(alice.dir, '.tufci.yaml'), 'utf8');
    expect(settings).toContain(`keyfile: ${newKey}`);
    expect(settings).toContain('user-name: "@alice"');

    const s = await status(EVENT);
    const byRole = Object.fromEntries(s.roles.map((r) => [r.role, r]));
    expect(Object.keys(byRole).sort()).toEqual(['apps', 'root', 'targets']);
    expect(byRole.apps!.complete).toBe(true);
    expect(byRole.root!.current).toMatchObject({ threshold: 2, signedCount: 1, met: false });
    expect(byRole.root!.previous).toMatchObject({ threshold: 2, signedCount: 1, met: false });
    expect(s.complete).toBe(false);
  });

  it('@bob completes both root thresholds and targets', async () => {
    await ok(bob.tufci('sign', EVENT, '--yes'));
    const s = await status(EVENT);
    const root = s.roles.find((r) => r.role === 'root')!;
    expect(root.current).toMatchObject({ signedCount: 2, met: true });
    expect(root.previous).toMatchObject({ signedCount: 2, met: true });
    expect(s.complete).toBe(true);
  });

  it('after merge, online-sign and publish; python-tuf walks to the new root and verifies', async () => {
    w.merge(EVENT);
    w.sync(ci, 'main');
    await ok(ci.tufci('online-sign', '--push'));
    const site = join(w.root, 'site');
    await ok(ci.tufci('publish', '--to', `dir:${site}`));
    await ok(ci.tufci('verify', '--from', `dir:${site}`, '--target', 'apps/a.txt'));
    const server = await serveDir(site);
    try {
      const res = await ngclient({
        trustedRoot: join(site, '1.root.json'),
        baseUrl: server.url,
        workDir: mkdtempSync(join(w.root, 'py-')),
        targets: ['apps/a.txt'],
      });
      expect(res.error).toBeUndefined();
      expect(res.versions).toMatchObject({ root: 2, targets: 3, apps: 2 });
      const t = res.targets['apps/a.txt'] as DownloadedTarget;
      expect(t.sha256).toBe(createHash('sha256').update('apps file\n').digest('hex'));
    } finally {
      await server.close();
    }
  });

  it('the old key is refused afterwards; the new one signs', async () => {
    await ok(bob.tufci('delegate', 'sign/after', 'targets', '--expiry', '200'));
    const old = await alice.tufci('sign', 'sign/after', '--yes', '--keyfile', alice.keyfile);
    expect(old.code).toBe(5);
    expect(old.err).toContain(
      `is not @alice's key in: targets (expects keyid ${newId.slice(0, 12)})`,
    );
    const now = await alice.tufci('sign', 'sign/after', '--yes');
    expect(now.err).toBe('');
    expect(now.out).toContain('Signed targets.');
  });

  it('refuses a public key without its private key, and the key already in use', async () => {
    const lone = join(w.root, 'elsewhere.pub');
    writeFileSync(lone, readFileSync(`${newKey}.pub`));
    const r = await alice.tufci('key', 'rotate', '--new-key', lone);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`--new-key ${lone}: a public key alone cannot sign`);
    const same = await alice.tufci('key', 'rotate', '--new-key', newKey);
    expect(same.code).toBe(1);
    expect(same.err).toContain('this is the key you sign with now');
    const bobs = await alice.tufci('key', 'rotate', '--new-key', bob.keyfile, '--no-sign');
    expect(bobs.code).toBe(1);
    expect(bobs.err).toContain("is already @bob's key in this repository");
    expect(w.remoteBranches()).not.toContain('sign/rotate-alice-2');
  });
});
