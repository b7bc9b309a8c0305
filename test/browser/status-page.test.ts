/**
 * index.html, the status page `tufci publish --to dir:` writes, opened in a real
 * browser: Debian's Chromium (installed by scripts/setup-system.sh) driven by
 * playwright-core over the DevTools protocol.
 *
 * A repository built through the CLI on a real git remote: a delegated role, files
 * (one named `<script>alert(1)</script>`) and a registry artifact from a real
 * registry. The page is served over loopback HTTP as Pages would serve it; the test
 * reads the DOM (roles, signers, thresholds, the SVG timeline, targets with digest and
 * role, the root sha256 to pin), runs both copy-paste snippets as a user would (the
 * built CLI, and python-tuf) and keeps a screenshot: test-artifacts/status-page.png
 * (git-ignored). A synthetic repository of 10,000 targets, with owner labels that are
 * HTML, checks the page stays small and inert.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, type Descriptor } from '../../lib/oci/index.js';
import { indexHtml, PER_ROLE_ROWS } from '../../lib/publish/html.js';
import type { PublishTree } from '../../lib/publish/tree.js';
import { keyId, tufKeyFromPublicPem } from '../../lib/tuf/keys.js';
import type { Envelope, TargetsSigned } from '../../lib/tuf/types.js';
import { pushArtifact, randomData } from '../oci/support.js';
import { Fixture, ok } from '../oci-publish/support.js';
import { PYTHON, PYTHONPATH } from '../helpers/python-tuf.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { serveDir, type StaticServer } from '../helpers/static-server.js';

const CHROMIUM = '/usr/bin/chromium';
const BIN = resolve('build/signer-cli/main.js');
/** Screenshots are kept here (git-ignored) for a person to look at. */
const ARTIFACTS = resolve('test-artifacts');
const HOSTILE = '<script>alert(1)</script>';
const HOSTILE_OWNER = '<img src=x onerror="alert(2)"><script>alert(3)</script>@mallory';

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const run = promisify(execFile);

/** A browser page that records every request, dialog and page error. */
async function openPage(browser: Browser): Promise<{
  page: Page;
  requests: string[];
  dialogs: string[];
  errors: string[];
}> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const requests: string[] = [];
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, requests, dialogs, errors };
}

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
});

describe('the published status page of a repository built through the CLI', () => {
  const fx = new Fixture();
  let registry: TestRegistry;
  let server: StaticServer;
  let web: Descriptor;
  let artifactPath = '';
  const site = join(fx.w.root, 'site');
  const files: Record<string, string> = {
    'app.txt': 'hello world\n',
    'docs/guide.txt': 'the guide\n',
    [HOSTILE]: 'hostile name\n',
    'app/v1.bin': 'app one\n',
  };

  beforeAll(async () => {
    registry = await startRegistry();
    web = (
      await pushArtifact(new RegistryClient(registry.host).repository('apps/web'), {
        files: [{ name: 'app.bin', data: randomData(2048) }],
        tag: 'v1',
        artifactType: 'application/vnd.example.app',
      })
    ).descriptor;
    await fx.bootstrap('app');
    await fx.event(files);
    ok(
      'add-artifact',
      await fx.alice.tufci('add-artifact', 'sign/web', `oci://${registry.host}/apps/web:v1`),
    );
    await fx.signEvent('sign/web');
    // a signing event that relabels the app key's owner with markup, signed as it is
    const t = JSON.parse(
      readFileSync(join(fx.ci.dir, 'metadata/targets.json'), 'utf8'),
    ) as Envelope;
    const keys = (t.signed as TargetsSigned).delegations!.keys;
    for (const k of Object.values(keys)) k['x-tuf-on-ci-keyowner'] = HOSTILE_OWNER;
    fx.w.pushFiles(fx.alice, 'sign/label', {
      'metadata/targets.json': `${JSON.stringify(t, null, 2)}\n`,
    });
    await fx.signEvent('sign/label');
    const targets = JSON.parse(readFileSync(join(fx.ci.dir, 'metadata/targets.json'), 'utf8'))
      .signed as TargetsSigned;
    artifactPath = Object.entries(targets.targets).find(([, t]) => t.custom)![0];
    mkdirSync(site);
    server = await serveDir(site);
    ok(
      'publish',
      await fx.tufci(
        'publish',
        '--to',
        `dir:${site}`,
        '--name',
        'example/<b>status</b>',
        '--url',
        server.url,
      ),
    );
  }, 240_000);
  afterAll(async () => {
    await server?.close();
    await registry?.stop();
    fx.cleanup();
  });

  const meta = (role: string): Envelope =>
    JSON.parse(readFileSync(join(fx.ci.dir, 'metadata', `${role}.json`), 'utf8')) as Envelope;

  it('shows roles, signers, thresholds, the timeline, targets and the root to pin', async () => {
    const { page, requests, dialogs, errors } = await openPage(browser);
    await page.goto(`${server.url}index.html`);

    // nothing but the page itself is fetched: no script, font or CDN
    expect(requests).toEqual([`${server.url}index.html`]);
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('img').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    // the name is text, not markup
    expect(await page.locator('#repo-name').textContent()).toBe('example/<b>status</b>');
    expect(await page.locator('#repo-name b').count()).toBe(0);
    expect(await page.title()).toContain('example/<b>status</b>');

    // the root to pin is 1.root.json, and its sha256 is that of the published file
    expect(await page.locator('#pin-file').textContent()).toBe('1.root.json');
    expect(await page.locator('#pin-sha256').textContent()).toBe(
      sha256(readFileSync(join(site, '1.root.json'))),
    );

    // every role, with its signers (owner and short keyid), threshold and expiry
    const roles = ['root', 'targets', 'app', 'snapshot', 'timestamp'];
    const rows = page.locator('tr.role');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-role')))).toEqual(
      roles,
    );
    const aliceId = keyId(tufKeyFromPublicPem(readFileSync(fx.alice.pubfile, 'utf8')));
    for (const role of ['root', 'targets', 'app']) {
      const row = page.locator(`tr.role[data-role="${role}"]`);
      expect(await row.locator('.threshold').textContent(), role).toBe('1 of 1');
      // the app key's owner label is markup from metadata: shown as text
      expect(await row.locator('.signer .owner').allTextContents(), role).toEqual([
        role === 'app' ? HOSTILE_OWNER : '@alice',
      ]);
      expect(await row.locator('.signer .keyid').allTextContents(), role).toEqual([
        aliceId.slice(0, 8),
      ]);
      expect(await row.locator('.signer.signed').count(), role).toBe(1);
      expect(await row.locator('time').getAttribute('datetime'), role).toBe(
        new Date(meta(role).signed.expires).toISOString(),
      );
      expect(await row.locator('.rel').textContent(), role).toMatch(/^in \d+ (day|month)s?$/);
      expect(await row.locator('td.version').textContent(), role).toBe(
        String(meta(role).signed.version),
      );
    }
    // a delegated role shows the paths it signs
    expect(await page.locator('tr.role[data-role="app"] .paths').textContent()).toBe(
      'app/*, app/*/*, app/*/*/*, app/*/*/*/*',
    );
    expect(await page.locator('tr.role[data-role="targets"] .paths').count()).toBe(0);
    expect(await rows.locator('td.state').allTextContents()).toEqual(roles.map(() => 'ok'));
    for (const role of ['snapshot', 'timestamp']) {
      const row = page.locator(`tr.role[data-role="${role}"]`);
      expect(await row.locator('.signer .owner').allTextContents(), role).toEqual(['online key']);
      expect(await row.locator('.threshold').textContent(), role).toBe('1 of 1');
    }

    // the timeline: one group per role with a bar, longer for a later expiry
    const groups = page.locator('svg.timeline g.tl-role');
    expect(await groups.evaluateAll((gs) => gs.map((g) => g.getAttribute('data-role')))).toEqual(
      roles,
    );
    const bars: Record<string, number> = {};
    for (const role of roles) {
      const g = page.locator(`svg.timeline g.tl-role[data-role="${role}"]`);
      expect(await g.locator('rect.bar').count(), role).toBe(1);
      bars[role] = Number(await g.locator('rect.bar').getAttribute('width'));
      expect(await g.locator('text.tl-rel').textContent(), role).toMatch(
        /^in \d+ (hour|day|month)s?$/,
      );
    }
    const byExpiry = [...roles].sort(
      (a, b) =>
        new Date(meta(a).signed.expires).getTime() - new Date(meta(b).signed.expires).getTime(),
    );
    const widths = byExpiry.map((r) => bars[r]!);
    expect(widths).toEqual([...widths].sort((a, b) => a - b));
    expect(bars.timestamp!).toBeLessThan(bars.root!);

    // every target, the registry artifact included, with digest and signing role
    const targets = await page.locator('tr.target').evaluateAll((trs) =>
      trs.map((tr) => ({
        path: tr.querySelector('.path')!.textContent,
        digest: tr.querySelector('.digest')!.textContent,
        role: tr.querySelector('.signed-by')!.textContent,
        kind: tr.querySelector('.kind')!.textContent,
        href: tr.querySelector('.path a')?.getAttribute('href') ?? null,
      })),
    );
    const expected = [
      ...Object.entries(files).map(([path, content]) => ({
        path,
        digest: `sha256:${sha256(content)}`,
        role: path.startsWith('app/') ? 'app' : 'targets',
        kind: 'file',
      })),
      {
        path: artifactPath,
        digest: web.digest,
        role: 'targets',
        kind: `registry artifact${web.mediaType}found at ${registry.host}/apps/web`,
      },
    ];
    expect(
      targets.map(({ href: _, ...t }) => t).sort((a, b) => a.path!.localeCompare(b.path!)),
    ).toEqual(expected.sort((a, b) => a.path.localeCompare(b.path)));
    expect(await page.locator('#target-total').textContent()).toBe('5');
    // a file's link is its published consistent-snapshot path, and serves its bytes
    for (const t of targets.filter((x) => x.kind === 'file')) {
      const res = await page.request.get(new URL(t.href!, server.url).href);
      expect(res.status(), t.path!).toBe(200);
      expect(await res.text(), t.path!).toBe(files[t.path!]);
    }
    expect(await page.locator('script').count()).toBe(0);

    const shot = join(ARTIFACTS, 'status-page.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
    await page.close();
  });

  it('the tufci and python-tuf snippets work as pasted', async () => {
    const { page } = await openPage(browser);
    await page.goto(`${server.url}index.html`);
    const cli = (await page.locator('#snippet-tufci').textContent())!;
    const py = (await page.locator('#snippet-python').textContent())!;
    await page.close();
    expect(cli).toContain(`URL='${server.url}'`);
    expect(cli).toContain('tufci verify --from "$URL" --root 1.root.json');
    expect(py).toContain('from tuf.ngclient import Updater');
    const example = /--target '([^']+)'/.exec(cli)![1]!;
    expect(Object.keys(files)).toContain(example);

    // tufci: a shell with `tufci` on PATH (the built CLI), in an empty directory
    const work = mkdtempSync(join(fx.w.root, 'paste-'));
    const binDir = join(work, 'bin');
    mkdirSync(binDir);
    writeFileSync(join(binDir, 'tufci'), `#!/bin/sh\nexec node ${BIN} "$@"\n`, { mode: 0o755 });
    const shDir = join(work, 'sh');
    mkdirSync(shDir);
    const env = {
      PATH: `${binDir}:${process.env.PATH}`,
      HOME: fx.w.root,
      XDG_CACHE_HOME: join(work, 'cache'),
    };
    const shell = await run('sh', ['-ec', cli], { cwd: shDir, env });
    expect(shell.stdout).toContain('1.root.json: OK');
    expect(shell.stdout).toContain(`Target ${JSON.stringify(example)} verified`);
    expect(readFileSync(join(shDir, example.split('/').pop()!), 'utf8')).toBe(files[example]);

    // python-tuf: the script as shown, run by Python with python-tuf importable
    const pyDir = join(work, 'py');
    mkdirSync(pyDir);
    writeFileSync(join(pyDir, 'verify.py'), py);
    const out = await run(PYTHON, ['verify.py'], {
      cwd: pyDir,
      env: { PATH: process.env.PATH, PYTHONPATH, PYTHONDONTWRITEBYTECODE: '1' },
    });
    const downloaded = resolve(pyDir, out.stdout.trim());
    expect(readFileSync(downloaded, 'utf8')).toBe(files[example]);

    // a changed pin is refused by both
    const badCli = cli.replace(/echo '[0-9a-f]{64}/, `echo '${'0'.repeat(64)}`);
    await expect(run('sh', ['-ec', badCli], { cwd: shDir, env })).rejects.toThrow(/did NOT match/);
    writeFileSync(
      join(pyDir, 'bad.py'),
      py.replace(/PIN = "[0-9a-f]{64}"/, `PIN = "${'0'.repeat(64)}"`),
    );
    await expect(
      run(PYTHON, ['bad.py'], { cwd: pyDir, env: { PATH: process.env.PATH, PYTHONPATH } }),
    ).rejects.toThrow(/does not match the pinned sha256/);
  });
  it('refuses --url that is not http(s) and --name or --url for a destination without index.html', async () => {
    const dest = join(fx.w.root, 'not-written');
    const bad = await fx.tufci('publish', '--to', `dir:${dest}`, '--url', 'ftp://example.org/');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--url "ftp://example.org/": give the http(s):// address');
    const layout = join(fx.w.root, 'layout');
    for (const flag of ['--name', '--url']) {
      const r = await fx.tufci(
        'publish',
        '--to',
        `oci-layout:${layout}`,
        flag,
        'https://x.example/',
      );
      expect(r.code, flag).toBe(2);
      expect(r.err, flag).toContain(`${flag}: only a dir: destination has index.html`);
    }
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(layout)).toBe(false);
  });
});

describe('a repository of 10,000 targets, with HTML in owner labels', () => {
  const now = new Date('2026-12-01T00:00:00Z');
  const hostileOwner = HOSTILE_OWNER;
  const key = (owner: string) => ({
    keytype: 'ed25519',
    scheme: 'ed25519',
    keyval: { public: 'ab'.repeat(32) },
    'x-tuf-on-ci-keyowner': owner,
  });
  const env = (signed: Record<string, unknown>): Envelope =>
    ({ signed, signatures: [] }) as unknown as Envelope;
  const days = (n: number): string => new Date(now.getTime() + n * 86_400_000).toISOString();
  // the hostile name first, as canonical JSON's sorted keys would have it
  const many: Record<string, unknown> = {
    [HOSTILE]: { length: 1, hashes: { sha256: sha256('x') } },
  };
  for (let i = 0; i < 10_000; i++)
    many[`pkg/${String(i).padStart(5, '0')}.tgz`] = {
      length: i,
      hashes: { sha256: sha256(String(i)) },
    };
  const tree: PublishTree = {
    entries: [],
    registryTargets: [],
    roles: new Map([
      [
        'root',
        env({
          _type: 'root',
          version: 1,
          expires: days(-2),
          keys: { aaaa1111: key(hostileOwner), bbbb2222: key('@bob') },
          roles: {
            root: { keyids: ['aaaa1111'], threshold: 1 },
            targets: { keyids: ['aaaa1111', 'bbbb2222'], threshold: 2 },
            snapshot: { keyids: ['bbbb2222'], threshold: 1 },
            timestamp: { keyids: ['bbbb2222'], threshold: 1 },
          },
        }),
      ],
      ['targets', env({ _type: 'targets', version: 7, expires: days(3), targets: many })],
      ['snapshot', env({ _type: 'snapshot', version: 3, expires: days(20), meta: {} })],
      ['timestamp', env({ _type: 'timestamp', version: 9, expires: days(1.5), meta: {} })],
    ]),
  };

  it('stays small, shows counts and a bounded list, and runs nothing', async () => {
    const html = indexHtml(tree, now, { name: 'big' });
    expect(Buffer.byteLength(html)).toBeLessThan(300_000);
    const { page, requests, dialogs, errors } = await openPage(browser);
    await page.setContent(html);
    expect(requests).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('img').count()).toBe(0);

    expect(await page.locator('#target-total').textContent()).toBe('10,001');
    expect(await page.locator('tr.target').count()).toBe(PER_ROLE_ROWS);
    expect(await page.locator('details.role-targets .count').textContent()).toBe('10,001');
    expect(await page.locator('details.role-targets').getAttribute('open')).toBeNull();
    expect(await page.locator('.more').textContent()).toBe(
      'Showing 100 of 10,001: all are listed in targets.json.',
    );
    // the hostile target (sorted first) is a text cell
    expect(await page.locator('tr.target .path').first().textContent()).toBe(HOSTILE);

    // the owner label is text; expired and due roles say so, relative to publication
    const root = page.locator('tr.role[data-role="root"]');
    expect(await root.locator('.owner').textContent()).toBe(hostileOwner);
    expect(await root.locator('.rel').textContent()).toBe('expired 2 days ago');
    expect(await root.locator('.state').textContent()).toBe(
      'expired; below threshold: 0 of 1 signatures verify',
    );
    const targets = page.locator('tr.role[data-role="targets"]');
    expect(await targets.locator('.owner').allTextContents()).toEqual([hostileOwner, '@bob']);
    expect(await targets.locator('.threshold').textContent()).toBe('2 of 2');
    expect(await targets.locator('.rel').textContent()).toBe('in 3 days');
    // within its signing period (60 days by default): due
    expect(await targets.locator('.state').textContent()).toBe(
      'below threshold: 0 of 2 signatures verify; due: in its signing period',
    );
    expect(
      await page
        .locator('svg.timeline g.tl-role[data-role="targets"] rect.bar.below-threshold')
        .count(),
    ).toBe(1);
    expect(
      await page.locator('svg.timeline g.tl-role[data-role="timestamp"] text.tl-rel').textContent(),
    ).toBe('in 36 hours');
    expect(await page.locator('svg.timeline g.tl-role rect.bar.expired').count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'status-page-10k.png') });
    await page.close();
  });

  it('lists at most 500 targets on the page, across roles', async () => {
    const roles = new Map(tree.roles);
    const names = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7'];
    for (const r of names) {
      const t: Record<string, unknown> = {};
      for (let i = 0; i < 150; i++)
        t[`${r}/${i}.bin`] = { length: i, hashes: { sha256: sha256(`${r}${i}`) } };
      roles.set(r, env({ _type: 'targets', version: 1, expires: days(90), targets: t }));
    }
    roles.set('targets', env({ _type: 'targets', version: 7, expires: days(90), targets: {} }));
    const html = indexHtml({ ...tree, roles }, now, { name: 'many roles' });
    const { page } = await openPage(browser);
    await page.setContent(html);
    expect(await page.locator('#target-total').textContent()).toBe('1,050');
    expect(await page.locator('tr.target').count()).toBe(500);
    const shown = await page
      .locator('details.role-targets')
      .evaluateAll((ds) =>
        ds.map((d) => [d.getAttribute('data-role'), d.querySelectorAll('tr.target').length]),
      );
    expect(shown).toEqual([
      ['r1', 100],
      ['r2', 100],
      ['r3', 100],
      ['r4', 100],
      ['r5', 100],
      ['r6', 0],
      ['r7', 0],
    ]);
    expect(await page.locator('.more').allTextContents()).toContain(
      'Showing 0 of 150: all are listed in r7.json.',
    );
    await page.close();
  });

  it('after a root rotation, pins the first root and names the current one', async () => {
    const root = (v: number): Buffer => Buffer.from(`{"signed":{"version":${v}}}`);
    const entry = (v: number) => ({
      path: `${v}.root.json`,
      kind: 'root' as const,
      name: 'root',
      version: v,
      bytes: root(v),
      length: root(v).length,
      sha256: sha256(root(v)),
    });
    const html = indexHtml({ ...tree, entries: [entry(2), entry(1), entry(3)] }, now);
    const { page } = await openPage(browser);
    await page.setContent(html);
    expect(await page.locator('#pin-file').textContent()).toBe('1.root.json');
    expect(await page.locator('#pin-sha256').textContent()).toBe(sha256(root(1)));
    expect(await page.locator('#current-root-sha256').textContent()).toBe(sha256(root(3)));
    expect(await page.locator('.current-root').textContent()).toContain('Current root: version 3');
    expect(await page.locator('#repo-name').textContent()).toBe('TUF repository');
    // without --url the snippets say what to replace
    expect(await page.locator('#snippet-tufci').textContent()).toContain(
      "URL='https://HOST/PATH/'",
    );
    expect(await page.locator('#verify .note').textContent()).toContain('tufci publish --url');
    await page.close();
  });
});
