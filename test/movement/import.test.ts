/**
 * Movement, scenarios 3 and 4, copy side: `tufci copy --signatures original` verifies the
 * artifact at the source, copies it and the source's role that signs it (byte for byte),
 * and the event delegates from the destination's targets to `import-<name>` with the
 * source role's keys and threshold; the destination's signers (2 of 2 here) sign only the
 * delegation. With `--add-signature` the destination's own role lists the target too.
 * After publish the source registry is STOPPED: `tufci verify` by digest passes and
 * reports the imported chain, python-tuf's ngclient verifies the destination for the
 * target name. Refusals: a source that does not verify, an expired source role, no TUF
 * repository here, name clashes, an interrupted copy (a re-run completes).
 *
 * Two real docker-registry instances, the source a real tufci repository published to its
 * registry, the destination a clone on a real git remote; the real CLI throughout.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, type Descriptor } from '../../lib/oci/index.js';
import type { Envelope, TargetsSigned } from '../../lib/tuf/types.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { ngclient, type DownloadedTarget } from '../helpers/python-tuf.js';
import { serveDir } from '../helpers/static-server.js';
import type { Clone } from '../helpers/world.js';
import { pushArtifact, randomData } from '../oci/support.js';
import { Fixture, ORAS, ok, tool, type Result } from '../oci-publish/support.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { runAction } from '../helpers/run-action.js';
import { missingContent } from './support.js';

const WEB = 'apps/web:v1';
const API = 'apps/api:v1';

describe('tufci copy --signatures original: the source signatures travel with the copy', () => {
  const source = new Fixture();
  const dest = new Fixture();
  let bob: Clone;
  let src: TestRegistry;
  let dst: TestRegistry;
  let web: Descriptor;
  let api: Descriptor;
  let sourceTargets: Buffer;
  const srcTuf = (): string => `oci://${src.host}/acme/tuf`;
  const dstTuf = (): string => `oci://${dst.host}/acme/tuf`;

  /** CI updates the event, @alice then @bob sign (2 of 2), it is merged and signed online. */
  const signByBoth = async (event: string): Promise<void> => {
    dest.w.sync(dest.ci, event);
    ok('event update', await dest.ci.tufci('event', 'update', '--push'));
    ok('sign alice', await dest.alice.tufci('sign', event, '--yes'));
    dest.w.sync(dest.alice, event);
    const half = await dest.alice.tufci('status');
    expect(half.out).toContain('not complete');
    expect(half.out).toContain('Waiting for: @bob');
    ok('sign bob', await bob.tufci('sign', event, '--yes'));
    dest.merge(event);
    await dest.signOnline();
  };
  const verify = (...args: string[]): Promise<Result> =>
    dest.tufci('verify', ...args, '--root', dest.root1, '--no-cache');

  beforeAll(async () => {
    [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
    const push = (repo: string, size: number) =>
      pushArtifact(new RegistryClient(src.host).repository(repo), {
        files: [{ name: 'app.bin', data: randomData(size) }],
        tag: 'v1',
        artifactType: 'application/vnd.example.app',
      }).then((r) => r.descriptor);
    [web, api] = await Promise.all([push('apps/web', 3000), push('apps/api', 2000)]);
    // the source signs both artifacts in its own TUF repository, published to its registry
    await source.bootstrap();
    for (const a of ['apps/web:v1', 'apps/api:v1'])
      ok(
        'add-artifact',
        await source.alice.tufci('add-artifact', 'sign/apps', `oci://${src.host}/${a}`),
      );
    await source.signEvent('sign/apps');
    ok('publish source', await source.tufci('publish', '--to', srcTuf()));
    sourceTargets = readFileSync(join(source.ci.dir, 'metadata/targets.json'));
    // the destination: root and targets signed by @alice and @bob, 2 of 2
    bob = dest.w.clone('bob');
    await dest.w.bootstrap([dest.alice, bob], 2, ['--top-level-dirs']);
    dest.w.sync(dest.ci, 'main');
  }, 300_000);

  afterAll(async () => {
    await Promise.all([src?.stop(), dst?.stop()]);
    source.cleanup();
    dest.cleanup();
  });

  describe('refusals (nothing copied, no event)', () => {
    it('an artifact the source does not sign: exit 3, nothing copied, no event', async () => {
      const other = (
        await pushArtifact(new RegistryClient(src.host).repository('apps/other'), {
          files: [{ name: 'o.bin', data: randomData(100) }],
          tag: 'v1',
        })
      ).descriptor;
      const r = await dest.alice.tufci(
        'copy',
        `oci://${src.host}/apps/other:v1`,
        `oci://${dst.host}/apps/other:v1`,
        '--event',
        'sign/bad',
        '--signatures',
        'original',
        '--source-root',
        source.root1,
        '--source-from',
        srcTuf(),
        '--no-cache',
      );
      expect(r.code).toBe(3);
      expect(r.err).toMatch(/apps\/other:v1 \(sha256:[0-9a-f]{64}\) is not verified/);
      expect(r.err).not.toMatch(/^\s+at /m);
      expect(
        await new RegistryClient(dst.host).repository('apps/other').headManifest(other.digest),
      ).toBeUndefined();
      expect(dest.w.remoteRef('sign/bad')).toBeUndefined();
    });

    it("the source's role expired (at the time of the copy): exit 3, nothing copied", async () => {
      const later = new Date(dest.w.now.getTime() + 400 * 86_400_000);
      const r = await dest.alice.tufciWith(
        { now: () => later },
        'copy',
        `oci://${src.host}/apps/web:v1`,
        `oci://${dst.host}/apps/web:v1`,
        '--event',
        'sign/late',
        '--signatures',
        'original',
        '--source-root',
        source.root1,
        '--no-cache',
      );
      expect(r.code).toBe(3);
      expect(r.err).toMatch(/the source's role targets \(version \d+\) expired on /);
      expect(
        await new RegistryClient(dst.host).repository('apps/web').headManifest(web.digest),
      ).toBeUndefined();
      expect(dest.w.remoteRef('sign/late')).toBeUndefined();
    });

    it('outside a TUF repository, without --source-root, a bad --signatures: clear errors', async () => {
      const args = [
        'copy',
        `oci://${src.host}/apps/web:v1`,
        `oci://${dst.host}/apps/web:v1`,
        '--event',
        'sign/x',
        '--signatures',
        'original',
      ];
      const none = await dest.alice.tufciWith(
        { cwd: dest.w.root },
        ...args,
        '--source-root',
        source.root1,
      );
      expect(none.code).toBe(1);
      expect(none.err).toContain('no TUF repository here');
      expect(none.err).toContain('tufci init');
      const noRoot = await dest.alice.tufci(...args);
      expect(noRoot.code).toBe(2);
      expect(noRoot.err).toContain('--signatures original: needs --source-root');
      const bad = await dest.alice.tufci(...args.slice(0, -1), 'mine');
      expect(bad.code).toBe(2);
      expect(bad.err).toContain('--signatures "mine": original or none');
    });

    it('an interrupted copy leaves no event and no tag naming missing blobs; a re-run completes', async () => {
      const proxy = await startFaultProxy(dst.url);
      let uploads = 0;
      try {
        proxy.failMatching(
          // the connection drops on the second write: a blob or the manifest is missing
          (method) => ['PUT', 'POST', 'PATCH'].includes(method) && ++uploads >= 2,
          { destroy: true },
          1000,
        );
        const r = await dest.alice.tufci(
          'copy',
          `oci://${src.host}/apps/web:v1`,
          `oci://${proxy.host}/apps/web:v1`,
          '--event',
          'sign/import',
          '--signatures',
          'original',
          '--source-root',
          source.root1,
          '--no-cache',
        );
        expect(r.code).not.toBe(0);
        expect(r.err).not.toMatch(/^\s+at /m);
        expect(uploads).toBeGreaterThanOrEqual(2);
      } finally {
        await proxy.close();
      }
      const there = new RegistryClient(dst.host).repository('apps/web');
      expect(await there.headManifest(web.digest)).toBeUndefined();
      expect(await missingContent(there)).toEqual([]);
      expect(dest.w.remoteRef('sign/import')).toBeUndefined();
      // nothing left behind in the clone: metadata is as it was
      expect(readdirSync(join(dest.alice.dir, 'metadata'))).not.toContain('import-web.json');
    });
  });

  describe('scenario 3: only the imported role signs the copy', () => {
    let copied: Result;
    beforeAll(async () => {
      copied = await dest.alice.tufci(
        'copy',
        `oci://${src.host}/apps/web:v1`,
        `oci://${dst.host}/apps/web:v1`,
        '--event',
        'sign/import',
        '--signatures',
        'original',
        '--source-root',
        source.root1,
        '--no-cache',
      );
    }, 120_000);

    it('copies the artifact and the role, and delegates to import-web in the event', async () => {
      expect(copied.err).toBe('');
      expect(copied.code).toBe(0);
      expect(copied.out).toContain(`Verified oci://${src.host}/apps/web:v1: ${web.digest}`);
      expect(copied.out).toContain(
        `Copied oci://${src.host}/apps/web:v1 to ${dst.host}/apps/web:v1`,
      );
      expect(copied.out).toMatch(
        new RegExp(
          `Imported: import-web: role "targets" of ${srcTuf().replace(/[.]/g, '\\.')}, version \\d+ \\(expires [^)]+\\), byte for byte; its keys [0-9a-f]{12}, threshold 1; delegated from targets, terminating, for "apps/web:v1"`,
        ),
      );
      const there = await new RegistryClient(dst.host).repository('apps/web').getManifest('v1');
      expect(there.descriptor.digest).toBe(web.digest);
      dest.w.sync(dest.ci, 'sign/import');
      expect(
        readFileSync(join(dest.ci.dir, 'metadata/import-web.json')).equals(sourceTargets),
      ).toBe(true);
      const targets = JSON.parse(
        readFileSync(join(dest.ci.dir, 'metadata/targets.json'), 'utf8'),
      ) as Envelope<TargetsSigned>;
      const entry = targets.signed.delegations!.roles!.find((r) => r.name === 'import-web')!;
      const srcRoot = JSON.parse(readFileSync(source.root1, 'utf8')) as {
        signed: { roles: { targets: { keyids: string[]; threshold: number } } };
      };
      expect(entry).toMatchObject({
        keyids: srcRoot.signed.roles.targets.keyids,
        threshold: srcRoot.signed.roles.targets.threshold,
        terminating: true,
        paths: [WEB],
        'x-tufci-import': { repository: srcTuf(), role: 'targets' },
      });
      // the destination's own role does not list it: only the import signs it
      expect(targets.signed.targets[WEB]).toBeUndefined();
    });

    it('the account names the imported keys and threshold; the destination signs the delegation (2 of 2)', async () => {
      ok('event update', await dest.ci.tufci('event', 'update', '--push'));
      dest.w.sync(dest.alice, 'sign/import');
      const st = await dest.alice.tufci('status');
      expect(st.out).toMatch(
        new RegExp(
          `import-web v\\d+ \\(expires [^)]+\\): imported byte for byte from role "targets" of ${srcTuf().replace(/[.]/g, '\\.')}: signed there by 1 of its 1 key\\(s\\) \\([0-9a-f]{12}\\), threshold 1 \\(met\\); nobody here signs it`,
        ),
      );
      const md = await dest.alice.tufci('status', '--markdown');
      expect(md.out).toContain('📥 imported, source signatures verify');
      await signByBoth('sign/import');
      expect(
        readFileSync(join(dest.ci.dir, 'metadata/import-web.json')).equals(sourceTargets),
      ).toBe(true);
      const pub = ok('publish', await dest.tufci('publish', '--to', dstTuf()));
      // the pointer goes on the copy here, never into the source registry the entry records
      expect(pub.out + pub.err).toContain(
        `pointer for "${WEB}": attached on ${dst.host}/apps/web@${web.digest} (the copy here)`,
      );
      expect(pub.out + pub.err).not.toContain(`on ${src.host}`);
      // the source role lists apps/api:v1 too, but the delegation does not cover it
      expect(pub.out + pub.err).not.toContain(`pointer for "${API}"`);
    });
  });

  describe('scenario 4: --add-signature, the destination signs the same target too', () => {
    it('imports the role as import-api and lists the target in targets alike', async () => {
      const r = await dest.alice.tufci(
        'copy',
        `oci://${src.host}/apps/api:v1`,
        `oci://${dst.host}/apps/api:v1`,
        '--event',
        'sign/api',
        '--signatures',
        'original',
        '--import-name',
        'api',
        '--add-signature',
        '--source-root',
        source.root1,
        '--source-from',
        srcTuf(),
        '--no-cache',
      );
      expect(r.err).toBe('');
      expect(r.out).toContain(
        `Added target "${API}" in role targets too (the destination's own signature, alike).`,
      );
      expect(r.out).toContain('Imported: import-api: role "targets"');
      dest.w.sync(dest.ci, 'sign/api');
      const targets = JSON.parse(
        readFileSync(join(dest.ci.dir, 'metadata/targets.json'), 'utf8'),
      ) as Envelope<TargetsSigned>;
      const theirs = (JSON.parse(sourceTargets.toString('utf8')) as Envelope<TargetsSigned>).signed
        .targets[API];
      expect(targets.signed.targets[API]).toEqual(theirs);
      expect(
        readFileSync(join(dest.ci.dir, 'metadata/import-api.json')).equals(sourceTargets),
      ).toBe(true);
      await signByBoth('sign/api');
      const pub = ok('publish', await dest.tufci('publish', '--to', dstTuf()));
      // no pointer is written into the source registry the entry records
      expect(pub.out + pub.err).not.toContain(`attached on ${src.host}`);
    });
  });

  describe('name clashes (refused, nothing recorded)', () => {
    it('import-web exists with other keys, or from another repository', async () => {
      dest.w.sync(dest.alice, 'main');
      const targets = JSON.parse(
        readFileSync(join(dest.alice.dir, 'metadata/targets.json'), 'utf8'),
      ) as Envelope<TargetsSigned>;
      const root = JSON.parse(readFileSync(join(dest.alice.dir, 'metadata/root.json'), 'utf8')) as {
        signed: { keys: Record<string, never>; roles: { targets: { keyids: string[] } } };
      };
      const mine = root.signed.roles.targets.keyids[0]!;
      const entry = targets.signed.delegations!.roles!.find((r) => r.name === 'import-web')!;
      entry.keyids = [mine];
      targets.signed.delegations!.keys[mine] = root.signed.keys[mine]!;
      dest.w.pushFiles(dest.alice, 'sign/clash', {
        'metadata/targets.json': JSON.stringify(targets, null, 2) + '\n',
      });
      const args = (event: string, name: string) => [
        'copy',
        `oci://${src.host}/apps/web:v1`,
        `oci://${dst.host}/apps/web:v1`,
        '--event',
        event,
        '--signatures',
        'original',
        '--import-name',
        name,
        '--source-root',
        source.root1,
        '--no-cache',
      ];
      const before = dest.w.remoteRef('sign/clash');
      const keys = await dest.alice.tufci(...args('sign/clash', 'web'));
      expect(keys.code).toBe(1);
      expect(keys.err).toContain(
        '--import-name: role import-web already exists in this repository with other keys or another threshold',
      );
      expect(dest.w.remoteRef('sign/clash')).toBe(before);

      (entry as unknown as Record<string, unknown>)['x-tufci-import'] = {
        repository: 'oci://elsewhere.example/tuf',
        role: 'targets',
      };
      dest.w.pushFiles(dest.alice, 'sign/clash2', {
        'metadata/targets.json': JSON.stringify(targets, null, 2) + '\n',
      });
      const repo = await dest.alice.tufci(...args('sign/clash2', 'web'));
      expect(repo.code).toBe(1);
      expect(repo.err).toContain(
        'role import-web already exists in this repository and imports role "targets" of oci://elsewhere.example/tuf',
      );
    });

    it('a role of that name that is not an import', async () => {
      ok(
        'delegate',
        await dest.alice.tufci(
          'delegate',
          'sign/plain',
          'import-plain',
          '--signers',
          '@alice',
          '--key',
          `@alice=${dest.alice.pubfile}`,
        ),
      );
      const r = await dest.alice.tufci(
        'copy',
        `oci://${src.host}/apps/web:v1`,
        `oci://${dst.host}/apps/web:v1`,
        '--event',
        'sign/plain',
        '--signatures',
        'original',
        '--import-name',
        'plain',
        '--source-root',
        source.root1,
        '--no-cache',
      );
      expect(r.code).toBe(1);
      expect(r.err).toContain(
        'role import-plain already exists in this repository and is not an imported role; choose another name with --import-name',
      );
    });
  });

  describe('scheduled refresh: the source signs a newer version of its role', () => {
    let newer: Buffer;
    let version: number;
    beforeAll(async () => {
      await source.event({ 'docs/release.txt': 'release notes\n' });
      ok('publish source', await source.tufci('publish', '--to', srcTuf()));
      newer = readFileSync(join(source.ci.dir, 'metadata/targets.json'));
      version = (JSON.parse(newer.toString('utf8')) as Envelope).signed.version;
    }, 120_000);

    it('a version the delegation does not trust (its keys changed here) is refused, the import kept', async () => {
      const carol = dest.w.clone('carol');
      dest.w.sync(carol, 'main');
      const file = join(carol.dir, 'metadata/targets.json');
      const targets = JSON.parse(readFileSync(file, 'utf8')) as Envelope<TargetsSigned>;
      const root = JSON.parse(readFileSync(join(carol.dir, 'metadata/root.json'), 'utf8')) as {
        signed: { keys: Record<string, never>; roles: { targets: { keyids: string[] } } };
      };
      const mine = root.signed.roles.targets.keyids[0]!;
      const entry = targets.signed.delegations!.roles!.find((r) => r.name === 'import-web')!;
      entry.keyids = [mine];
      targets.signed.delegations!.keys[mine] = root.signed.keys[mine]!;
      writeFileSync(file, JSON.stringify(targets, null, 2) + '\n');
      const before = readFileSync(join(carol.dir, 'metadata/import-web.json'));
      const r = await carol.tufci('copy', '--refresh', '--no-push');
      expect(r.code).toBe(3);
      expect(r.err).toContain(
        `import-web: the source's version ${version} is signed by 0 of the 1 key(s) the delegation trusts for it, 1 required; refused`,
      );
      expect(r.err).not.toMatch(/^\s+at /m);
      expect(readFileSync(join(carol.dir, 'metadata/import-web.json')).equals(before)).toBe(true);
      // the import the delegation trusts is refreshed all the same (locally: --no-push)
      expect(r.out).toContain(`import-api: version ${version - 1} -> ${version}`);
    });

    it('fetches the newer version, verifies it against the delegation and commits it; no person signs', async () => {
      dest.w.sync(dest.ci, 'main');
      const mainBefore = dest.w.remoteRef('main');
      const r = await dest.ci.tufci('copy', '--refresh');
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toContain(`import-web: version ${version - 1} -> ${version} (expires `);
      expect(r.out).toContain(
        `from role "targets" of ${srcTuf()}, signed by 1 of the delegation's 1 key(s) (threshold 1).`,
      );
      expect(dest.w.remoteRef('main')).not.toBe(mainBefore);
      await dest.signOnline();
      for (const role of ['import-web', 'import-api'])
        expect(readFileSync(join(dest.ci.dir, `metadata/${role}.json`)).equals(newer)).toBe(true);
      const snap = JSON.parse(
        readFileSync(join(dest.ci.dir, 'metadata/snapshot.json'), 'utf8'),
      ) as {
        signed: { meta: Record<string, { version: number }> };
      };
      expect(snap.signed.meta['import-web.json']!.version).toBe(version);
      ok('publish', await dest.tufci('publish', '--to', dstTuf()));
      const again = await dest.ci.tufci('copy', '--refresh');
      expect(again.out).toContain(`import-web: version ${version} (expires`);
      expect(again.out).toContain("is the source's newest; nothing to do.");
      sourceTargets = newer;
    });

    it('the online-sign action refreshes on its schedule, then signs the snapshot that lists it', async () => {
      await source.event({ 'docs/release.txt': 'release notes, again\n' });
      ok('publish source', await source.tufci('publish', '--to', srcTuf()));
      const newest = readFileSync(join(source.ci.dir, 'metadata/targets.json'));
      const v = (JSON.parse(newest.toString('utf8')) as Envelope).signed.version;
      const workspace = dest.w.ci().dir;
      const run = await runAction('online-sign', {
        workspace,
        apiUrl: 'http://127.0.0.1:9',
        repository: 'acme/dest',
        ref: 'refs/heads/main',
        eventName: 'schedule',
        payload: {},
        inputs: { 'online-key': dest.w.env.TUFCI_ONLINE_KEY! },
        env: dest.w.env,
      });
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(run.code).toBe(0);
      expect(run.outputs.refreshed).toBe(`import-api v${v},import-web v${v}`);
      expect(run.outputs.signed).toContain('snapshot');
      expect(run.stdout).toContain(`import-web: version ${v - 1} -> ${v} (expires `);
      dest.w.sync(dest.ci, 'main');
      expect(readFileSync(join(dest.ci.dir, 'metadata/import-web.json')).equals(newest)).toBe(true);
      const snap = JSON.parse(
        readFileSync(join(dest.ci.dir, 'metadata/snapshot.json'), 'utf8'),
      ) as {
        signed: { meta: Record<string, { version: number }> };
      };
      expect(snap.signed.meta['import-web.json']!.version).toBe(v);
      expect(snap.signed.meta['import-api.json']!.version).toBe(v);
      ok('publish', await dest.tufci('publish', '--to', dstTuf()));
      sourceTargets = newest;
    });
  });

  describe('a second artifact of the same source role', () => {
    it('joins the same import: its name is added to the delegation, the role bytes stay', async () => {
      const r = await dest.alice.tufci(
        'copy',
        `oci://${src.host}/apps/api:v1`,
        `oci://${dst.host}/apps/api:v1`,
        '--event',
        'sign/web-api',
        '--signatures',
        'original',
        '--import-name',
        'web',
        '--source-root',
        source.root1,
        '--no-cache',
      );
      expect(r.err).toBe('');
      expect(r.out).toContain('Import updated: import-web:');
      dest.w.sync(dest.ci, 'sign/web-api');
      const targets = JSON.parse(
        readFileSync(join(dest.ci.dir, 'metadata/targets.json'), 'utf8'),
      ) as Envelope<TargetsSigned>;
      const entry = targets.signed.delegations!.roles!.find((e) => e.name === 'import-web')!;
      expect(entry.paths).toEqual([WEB, API]);
      expect(
        readFileSync(join(dest.ci.dir, 'metadata/import-web.json')).equals(sourceTargets),
      ).toBe(true);
    });
  });

  describe('with the source registry stopped', () => {
    beforeAll(async () => {
      await src.stop();
    });

    it('with the source registry stopped: verify by digest passes through the imported chain', async () => {
      const v = await verify(`oci://${dst.host}/apps/web@${web.digest}`, '--from', dstTuf());
      expect(v.err).toBe('');
      expect(v.code).toBe(0);
      expect(v.out).toContain(`is signed as target "${WEB}" in ${dstTuf()}`);
      expect(v.out).toContain(
        `Target "${WEB}": signed by the source's role "targets" (${srcTuf()}) through import-web, 1 of 1 key (threshold 1).`,
      );
      const strict = await verify(
        `oci://${dst.host}/apps/web@${web.digest}`,
        '--from',
        dstTuf(),
        '--require-origin',
      );
      expect(strict.err).toBe('');
    });

    it('a refresh with the source unreachable: exit 4, the imports kept, nothing committed', async () => {
      dest.w.sync(dest.ci, 'main');
      const before = readFileSync(join(dest.ci.dir, 'metadata/import-web.json'));
      const head = dest.w.remoteRef('main');
      const r = await dest.ci.tufci('copy', '--refresh');
      expect(r.code).toBe(4);
      expect(r.err).toContain('not refreshed (the imports keep their version):');
      expect(r.err).toContain(`  - import-web: ${srcTuf()}`);
      expect(r.err).not.toMatch(/^\s+at /m);
      expect(readFileSync(join(dest.ci.dir, 'metadata/import-web.json')).equals(before)).toBe(true);
      expect(dest.w.remoteRef('main')).toBe(head);
    });

    it('the online-sign action with the source unreachable: the imports kept, the job fails naming them', async () => {
      const workspace = dest.w.ci().dir;
      const before = readFileSync(join(workspace, 'metadata/import-web.json'));
      const head = dest.w.remoteRef('main');
      const run = await runAction('online-sign', {
        workspace,
        apiUrl: 'http://127.0.0.1:9',
        repository: 'acme/dest',
        ref: 'refs/heads/main',
        eventName: 'schedule',
        payload: {},
        inputs: { 'online-key': dest.w.env.TUFCI_ONLINE_KEY! },
        env: dest.w.env,
      });
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('::warning::not refreshed (the imports keep their version):');
      expect(run.stdout).toMatch(/::error::not refreshed .*import-web: /);
      expect(run.stdout).toContain('snapshot and timestamp are current; nothing to sign.');
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(readFileSync(join(workspace, 'metadata/import-web.json')).equals(before)).toBe(true);
      expect(dest.w.remoteRef('main')).toBe(head);
    });

    it('by digest with no --from: the pointer on the destination copy finds the repository', async () => {
      for (const [repo, d, name] of [
        ['apps/web', web, WEB],
        ['apps/api', api, API],
      ] as const) {
        const v = await verify(`oci://${dst.host}/${repo}@${d.digest}`);
        expect(v.err, name).toBe('');
        expect(v.out, name).toContain(`is signed as target "${name}" in ${dstTuf()}`);
      }
    });

    it('scenario 4 by digest: both chains are reported and --require-origin passes', async () => {
      const v = await verify(
        `oci://${dst.host}/apps/api@${api.digest}`,
        '--from',
        dstTuf(),
        '--require-origin',
      );
      expect(v.err).toBe('');
      expect(v.code).toBe(0);
      expect(v.out).toContain(
        `Target "${API}": signed by the source's role "targets" (${srcTuf()}) through import-api, 1 of 1 key (threshold 1); attested by targets, 2 of 2 keys (threshold 2).`,
      );
      expect(v.out).toContain('targets → import-api: signed by the source\'s role "targets"');
      expect(v.out).toContain('verified; same length and hashes');
    });

    it('python-tuf ngclient verifies the destination for both names (scenarios 3 and 4); the published roles are the source bytes', async () => {
      const site = mkdtempSync(join(dest.w.root, 'site-'));
      const env = { HOME: dest.w.root, DOCKER_CONFIG: join(dest.w.root, '.oras') };
      const pull = (tag: string) =>
        tool(ORAS, ['pull', `${dst.host}/acme/tuf:${tag}`, '-o', site, '--plain-http'], env);
      await pull('latest');
      const tags = (
        await tool(ORAS, ['repo', 'tags', `${dst.host}/acme/tuf`, '--plain-http'], env)
      ).split('\n');
      expect(tags).toEqual(expect.arrayContaining(['import-web', 'import-api']));
      for (const role of ['import-web', 'import-api']) {
        await pull(role);
        // the role's manifest keeps the version before too; the newest is what snapshot names
        const file = readdirSync(site)
          .filter((f) => f.endsWith(`.${role}.json`) && /^\d+\./.test(f))
          .sort((a, b) => parseInt(a) - parseInt(b))
          .at(-1)!;
        expect(readFileSync(join(site, file)).equals(sourceTargets), role).toBe(true);
      }
      mkdirSync(join(site, 'targets', 'apps'), { recursive: true });
      const expected = new Map<string, { hex: string; length: number }>();
      for (const [name, d, repo, file] of [
        [WEB, web, 'apps/web', 'web:v1'],
        [API, api, 'apps/api', 'api:v1'],
      ] as const) {
        const manifest = (await new RegistryClient(dst.host).repository(repo).getManifest(d.digest))
          .bytes;
        const hex = d.digest.slice('sha256:'.length);
        writeFileSync(join(site, 'targets', 'apps', `${hex}.${file}`), manifest);
        expected.set(name, { hex, length: manifest.length });
      }
      const server = await serveDir(site);
      try {
        const res = await ngclient({
          trustedRoot: dest.root1,
          baseUrl: server.url,
          workDir: mkdtempSync(join(dest.w.root, 'py-')),
          targets: [WEB, API],
        });
        expect(res.error).toBeUndefined();
        for (const [name, want] of expected) {
          const got = res.targets[name] as DownloadedTarget;
          expect(got.sha256, name).toBe(want.hex);
          expect(got.length, name).toBe(want.length);
        }
      } finally {
        await server.close();
      }
    });

    it('mirrored to a layout with the source stopped, both copies verify with no registry running', async () => {
      const dir = join(mkdtempSync(join(dest.w.root, 'export-')), 'tuf');
      const out = await dest.tufci('mirror', dstTuf(), `oci-layout:${dir}`, '--root', dest.root1);
      expect(out.err).toBe('');
      expect(out.code).toBe(0);
      await dst.stop();
      for (const [repo, d, name] of [
        ['apps/web', web, WEB],
        ['apps/api', api, API],
      ] as const) {
        const v = await verify(
          `oci-layout:${join(dir, 'artifacts', ...repo.split('/'))}@${d.digest}`,
          '--from',
          `oci-layout:${dir}`,
          '--require-origin',
        );
        expect(v.err, name).toBe('');
        expect(v.out, name).toContain(`is signed as target "${name}" in oci-layout:${dir}`);
      }
    });
  });
});

describe('tufci copy --signatures original from a delegated role of the source', () => {
  const source = new Fixture();
  const dest = new Fixture();
  let src: TestRegistry;
  let dst: TestRegistry;
  let web: Descriptor;

  beforeAll(async () => {
    [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
    web = (
      await pushArtifact(new RegistryClient(src.host).repository('apps/web'), {
        files: [{ name: 'app.bin', data: randomData(1500) }],
        tag: 'v1',
      })
    ).descriptor;
    // the source delegates apps/* to its role "apps" (signed by @alice), which signs the artifact
    await Promise.all([source.bootstrap('apps'), dest.bootstrap()]);
    ok(
      'add-artifact',
      await source.alice.tufci('add-artifact', 'sign/web', `oci://${src.host}/apps/web:v1`),
    );
    await source.signEvent('sign/web');
    ok('publish source', await source.tufci('publish', '--to', `oci://${src.host}/acme/tuf`));
    dest.w.sync(dest.ci, 'main');
  }, 300_000);
  afterAll(async () => {
    await Promise.all([src?.stop(), dst?.stop()]);
    source.cleanup();
    dest.cleanup();
  });

  it('imports the delegated role byte for byte with the rule its delegator (targets) gives it', async () => {
    const r = await dest.alice.tufci(
      'copy',
      `oci://${src.host}/apps/web:v1`,
      `oci://${dst.host}/apps/web:v1`,
      '--event',
      'sign/import',
      '--signatures',
      'original',
      '--source-root',
      source.root1,
      '--no-cache',
    );
    expect(r.err).toBe('');
    expect(r.out).toContain(`Imported: import-web: role "apps" of oci://${src.host}/acme/tuf`);
    const role = readFileSync(join(source.ci.dir, 'metadata/apps.json'));
    dest.w.sync(dest.ci, 'sign/import');
    expect(readFileSync(join(dest.ci.dir, 'metadata/import-web.json')).equals(role)).toBe(true);
    const srcTargets = JSON.parse(
      readFileSync(join(source.ci.dir, 'metadata/targets.json'), 'utf8'),
    ) as Envelope<TargetsSigned>;
    const rule = srcTargets.signed.delegations!.roles!.find((e) => e.name === 'apps')!;
    const targets = JSON.parse(
      readFileSync(join(dest.ci.dir, 'metadata/targets.json'), 'utf8'),
    ) as Envelope<TargetsSigned>;
    const entry = targets.signed.delegations!.roles!.find((e) => e.name === 'import-web')!;
    expect(entry.keyids).toEqual(rule.keyids);
    expect(entry.threshold).toBe(rule.threshold);
    expect(entry).toMatchObject({ 'x-tufci-import': { role: 'apps' }, paths: [WEB] });
    await dest.signEvent('sign/import');
    ok('publish', await dest.tufci('publish', '--to', `oci://${dst.host}/acme/tuf`));
    await src.stop();
    const v = await dest.tufci(
      'verify',
      `oci://${dst.host}/apps/web@${web.digest}`,
      '--root',
      dest.root1,
      '--no-cache',
      '--require-origin',
    );
    expect(v.err).toBe('');
    expect(v.out).toContain(
      `Target "${WEB}": signed by the source's role "apps" (oci://${src.host}/acme/tuf) through import-web, 1 of 1 key (threshold 1).`,
    );
  });
});
