/**
 * Two signing events that both change targets, on a real bare git remote with a real
 * registry: both complete, the first is merged, and the second (whose targets.json now
 * conflicts with the default branch's) is brought up to date by `tufci event update`:
 * nothing is resolved by hand, nothing is dropped (a file target of each event and a
 * registry artifact added with add-artifact), it must be signed again, and after its
 * merge python-tuf verifies every target of both events.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, type Descriptor } from '../../lib/oci/index.js';
import { ngclient, type DownloadedTarget } from '../helpers/python-tuf.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { serveDir } from '../helpers/static-server.js';
import { World, git } from '../helpers/world.js';
import { pushArtifact, randomData } from '../oci/support.js';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

interface Entry {
  hashes: { sha256: string };
  custom?: { oci?: { digest: string } };
}
interface Status {
  complete: boolean;
  roles: { role: string; version: number; complete: boolean }[];
}

describe('event update brings an event behind the default branch up to date', () => {
  const w = new World();
  const alice = w.clone('alice');
  const ci = w.ci();
  let registry: TestRegistry;
  let web: Descriptor;
  const ART = 'web:v1';

  beforeAll(async () => {
    registry = await startRegistry();
    web = (
      await pushArtifact(new RegistryClient(registry.host).repository('apps/web'), {
        files: [{ name: 'app.bin', data: randomData(2048) }],
        tag: 'v1',
        artifactType: 'application/vnd.example.app',
      })
    ).descriptor;
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
    w.cleanup();
  });

  const ok = async (p: Promise<{ code: number; out: string; err: string }>): Promise<string> => {
    const r = await p;
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    return r.out;
  };
  const status = async (event: string): Promise<Status> => {
    w.sync(ci, event);
    const r = await ci.tufci('status', '--json', '--no-fetch');
    expect(r.err).toBe('');
    return JSON.parse(r.out) as Status;
  };
  const targetsAt = (rev: string): { version: number; targets: Record<string, Entry> } => {
    git(ci.dir, 'fetch', '-q', 'origin');
    return JSON.parse(git(ci.dir, 'show', `${rev}:metadata/targets.json`)).signed;
  };
  const update = async (event: string): Promise<string> => {
    w.sync(ci, event);
    return ok(ci.tufci('event', 'update', '--push'));
  };

  it('two events bump targets from the same version and are both complete', async () => {
    await w.bootstrap([alice], 1);
    await ok(alice.tufci('delegate', 'sign/apps', 'apps', '--signers', '@alice'));
    w.merge('sign/apps');
    w.pushFiles(alice, 'sign/a', { 'targets/a.txt': 'from event a\n' });
    await update('sign/a');
    await ok(alice.tufci('sign', 'sign/a', '--yes'));

    w.pushFiles(alice, 'sign/b', {
      'targets/b.txt': 'from event b\n',
      'targets/apps/c.txt': 'apps file of event b\n',
    });
    await update('sign/b');
    await ok(
      alice.tufci(
        ...['add-artifact', 'sign/b', `oci://${registry.host}/apps/web:v1`],
        ...['--path', ART, '--plain-http'],
      ),
    );
    await ok(alice.tufci('sign', 'sign/b', '--yes'));
    expect((await status('sign/a')).complete).toBe(true);
    expect((await status('sign/b')).complete).toBe(true);
    expect(targetsAt('origin/sign/a').version).toBe(3);
    expect(targetsAt('origin/sign/b').version).toBe(3);
  });

  it('after the first is merged, merging the second as it is would conflict in targets.json', async () => {
    w.merge('sign/a');
    w.sync(ci, 'main');
    await ok(ci.tufci('online-sign', '--push'));
    const dir = mkdtempSync(join(w.root, 'try-merge-'));
    execFileSync('git', ['clone', '-q', w.remote, dir], { env: w.env as NodeJS.ProcessEnv });
    let conflict = '';
    try {
      execFileSync('git', ['merge', '-q', '--no-ff', '-m', 'try', 'origin/sign/b'], {
        cwd: dir,
        env: w.env as NodeJS.ProcessEnv,
        stdio: 'pipe',
      });
    } catch {
      conflict = git(dir, 'diff', '--name-only', '--diff-filter=U');
    }
    expect(conflict).toContain('metadata/targets.json');
  });

  it('signing the event while it is behind is refused, pointing at event update', async () => {
    const r = await alice.tufci('sign', 'sign/b', '--yes');
    expect(r.code).toBe(1);
    expect(r.err).toContain('event sign/b: behind main on targets');
    expect(r.err).toContain('`tufci event update --push`');
  });

  it('event update takes in the default branch: nothing dropped, bumped from its version, to be signed again', async () => {
    const appsBefore = git(ci.dir, 'show', 'origin/sign/b:metadata/apps.json');
    const out = await update('sign/b');
    expect(out).toContain('Took in origin/main');
    expect(out).toContain('Committed the merge of origin/main');
    const t = targetsAt('origin/sign/b');
    expect(t.version).toBe(targetsAt('origin/main').version + 1);
    expect(Object.keys(t.targets).sort()).toEqual(['a.txt', 'b.txt', ART]);
    expect(t.targets[ART]!.hashes.sha256).toBe(web.digest.replace('sha256:', ''));
    expect(t.targets[ART]!.custom?.oci?.digest).toBe(web.digest);
    expect(t.targets['a.txt']!.hashes.sha256).toBe(sha256('from event a\n'));
    // the event is no longer behind: main is an ancestor, and a second run changes nothing
    expect(git(ci.dir, 'merge-base', '--is-ancestor', 'origin/main', 'origin/sign/b')).toBe('');
    const again = await update('sign/b');
    expect(again).toContain('Metadata is up to date; nothing to commit.');

    // apps changed in this event only: its signed version is kept as it was, signatures and all
    expect(git(ci.dir, 'show', 'origin/sign/b:metadata/apps.json')).toBe(appsBefore);
    const s = await status('sign/b');
    expect(s.complete).toBe(false);
    expect(s.roles.map((r) => [r.role, r.complete])).toEqual([
      ['targets', false],
      ['apps', true],
    ]);
    await ok(alice.tufci('sign', 'sign/b', '--yes'));
    expect((await status('sign/b')).complete).toBe(true);
  });

  it('after the merge python-tuf verifies the targets of both events', async () => {
    w.merge('sign/b');
    w.sync(ci, 'main');
    await ok(ci.tufci('online-sign', '--push'));
    const site = join(w.root, 'site');
    await ok(ci.tufci('publish', '--to', `dir:${site}`));
    const server = await serveDir(site);
    const workDir = mkdtempSync(join(w.root, 'py-'));
    try {
      const res = await ngclient({
        trustedRoot: join(site, '1.root.json'),
        baseUrl: server.url,
        workDir,
        targets: ['a.txt', 'b.txt', 'apps/c.txt'],
      });
      expect(res.error).toBeUndefined();
      expect((res.targets['a.txt'] as DownloadedTarget).sha256).toBe(sha256('from event a\n'));
      expect((res.targets['b.txt'] as DownloadedTarget).sha256).toBe(sha256('from event b\n'));
      expect((res.targets['apps/c.txt'] as DownloadedTarget).sha256).toBe(
        sha256('apps file of event b\n'),
      );
      expect(res.versions).toMatchObject({ root: 1, targets: 4, apps: 2 });
      // the registry artifact is in the targets metadata python-tuf verified and trusts
      const trusted = JSON.parse(readFileSync(join(workDir, 'metadata', 'targets.json'), 'utf8'));
      expect(trusted.signed.targets[ART].custom.oci.digest).toBe(web.digest);
    } finally {
      await server.close();
    }
  });

  it('two different changes to one field are refused, naming it; nothing is committed or pushed', async () => {
    await ok(alice.tufci('delegate', 'sign/c', 'targets', '--expiry', '100'));
    await ok(alice.tufci('delegate', 'sign/d', 'targets', '--expiry', '200'));
    w.merge('sign/c');
    const before = w.remoteRef('sign/d');
    w.sync(ci, 'sign/d');
    const r = await ci.tufci('event', 'update', '--push');
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      'metadata/targets.json signed.x-tuf-on-ci-expiry-period: changed both on the default branch and in this event, differently',
    );
    expect(w.remoteRef('sign/d')).toBe(before);
    expect(git(ci.dir, 'status', '--porcelain')).toBe('');
    expect(git(ci.dir, 'rev-parse', 'HEAD').trim()).toBe(before);
  });
});
