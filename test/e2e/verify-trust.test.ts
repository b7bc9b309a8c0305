/**
 * `tufci verify` keeps what it trusted between runs, for directory and HTTP sources:
 * a rollback to an older (still unexpired) tree is refused on the next run, by default
 * (per-source directory under the user's cache) and with --cache DIR; --no-cache starts
 * from the pin. `--metadata-url` reads another layout (python-tuf's metadata/ and
 * targets/). A malformed response ends in a clear message naming the file, exit 3.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDir, type StaticServer } from '../helpers/static-server.js';
import { World } from '../helpers/world.js';

describe('verify keeps trusted state and reads any layout', () => {
  const w = new World();
  const alice = w.clone('alice', '@alice', 'ed25519');
  const site = join(w.root, 'site');
  const old = join(w.root, 'site-v1');
  let server: StaticServer;

  const publishEvent = async (name: string, files: Record<string, string>): Promise<void> => {
    w.pushFiles(alice, `sign/${name}`, files);
    expect((await w.ci(`sign/${name}`).tufci('event', 'update', '--push')).err).toBe('');
    expect((await alice.tufci('sign', `sign/${name}`, '--yes')).code).toBe(0);
    w.merge(`sign/${name}`);
    const ci = w.ci();
    expect((await ci.tufci('online-sign', '--push')).code).toBe(0);
    expect((await ci.tufci('publish', '--to', `dir:${site}`)).err).toBe('');
  };

  /** Puts the older published tree in place of the current one (a replayed mirror). */
  const rollBack = (): void => {
    rmSync(site, { recursive: true, force: true });
    cpSync(old, site, { recursive: true });
  };
  const restore = (current: string): void => {
    rmSync(site, { recursive: true, force: true });
    cpSync(current, site, { recursive: true });
  };

  beforeAll(async () => {
    await w.bootstrap([alice], 1);
    await publishEvent('one', { 'targets/app.txt': 'app v1\n' });
    cpSync(site, old, { recursive: true });
    await publishEvent('two', { 'targets/app.txt': 'app v2\n' });
    cpSync(site, join(w.root, 'site-v2'), { recursive: true });
    server = await serveDir(site);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    w.cleanup();
  });

  const root = (): string => join(old, '1.root.json');

  it('refuses a rollback across runs from dir: with the default cache, and says so', async () => {
    const ci = w.ci();
    const first = await ci.tufci('verify', '--from', `dir:${site}`, '--root', root());
    expect(first.err).toBe('');
    const ts = JSON.parse(readFileSync(join(site, 'timestamp.json'), 'utf8')).signed.version;
    expect(first.out).toContain(`timestamp version ${ts}`);
    // the trusted state sits in the user's cache, non-versioned
    const cache = join(w.root, '.cache', 'tufci', 'static');
    expect(existsSync(cache)).toBe(true);
    rollBack();
    try {
      const again = await ci.tufci('verify', '--from', `dir:${site}`, '--root', root());
      expect(again.code).toBe(3);
      expect(again.err).toMatch(/^error: timestamp\.json: a version went backwards/);
      // a fresh client without kept state accepts the older, unexpired tree
      const fresh = await ci.tufci(
        'verify',
        '--from',
        `dir:${site}`,
        '--root',
        root(),
        '--no-cache',
      );
      expect(fresh.code).toBe(0);
    } finally {
      restore(join(w.root, 'site-v2'));
    }
  });

  it('--cache DIR holds root.json, timestamp.json, … and refuses a rollback over HTTP', async () => {
    const ci = w.ci();
    const dir = join(w.root, 'trust-http');
    const first = await ci.tufci(
      'verify',
      '--from',
      server.url,
      '--root',
      root(),
      '--cache',
      dir,
      '--target',
      'app.txt',
      '--out',
      join(w.root, 'app.out'),
    );
    expect(first.err).toBe('');
    expect(readFileSync(join(w.root, 'app.out'), 'utf8')).toBe('app v2\n');
    for (const f of ['root.json', 'timestamp.json', 'snapshot.json', 'targets.json'])
      expect(existsSync(join(dir, f)), f).toBe(true);
    rollBack();
    try {
      const again = await ci.tufci('verify', '--from', server.url, '--cache', dir);
      expect(again.code).toBe(3);
      expect(again.err).toContain('timestamp.json');
      expect(again.err).toContain('rollback');
    } finally {
      restore(join(w.root, 'site-v2'));
    }
  });

  it("--metadata-url reads python-tuf's layout: metadata/ and targets/ side by side", async () => {
    const layout = join(w.root, 'layout');
    mkdirSync(layout);
    cpSync(site, join(layout, 'metadata'), { recursive: true });
    renameSync(join(layout, 'metadata', 'targets'), join(layout, 'targets'));
    const s = await serveDir(layout);
    try {
      const ci = w.ci();
      const out = join(w.root, 'app-layout.out');
      const v = await ci.tufci(
        'verify',
        '--metadata-url',
        `${s.url}metadata/`,
        '--root',
        root(),
        '--target',
        'app.txt',
        '--out',
        out,
        '--no-cache',
      );
      expect(v.err).toBe('');
      expect(readFileSync(out, 'utf8')).toBe('app v2\n');
      const served = s.requests.filter((r) => r.status === 200).map((r) => r.path);
      expect(served).toContain('metadata/timestamp.json');
      expect(served.some((p) => p.startsWith('targets/') && p.endsWith('.app.txt'))).toBe(true);
      // --from reads tufci's own layout only: here it finds no metadata at the base
      const wrong = await ci.tufci('verify', '--from', s.url, '--root', root(), '--no-cache');
      expect(wrong.code).toBe(3);
      expect(wrong.err).toContain('timestamp.json');
    } finally {
      await s.close();
    }
  });

  it('a malformed response ends in a message naming the file, exit 3, no internal error', async () => {
    const bad = join(w.root, 'bad');
    const ci = w.ci();
    const cases: [string, string][] = [
      ['{"signed": {}}', 'timestamp.json'],
      ['{"signatures": [], "signed": {"_type": "timestamp", "version": 9}}', 'timestamp.json'],
      ['not json', 'timestamp.json'],
      ['[]', 'timestamp.json'],
    ];
    for (const [text, file] of cases) {
      rmSync(bad, { recursive: true, force: true });
      cpSync(site, bad, { recursive: true });
      writeFileSync(join(bad, 'timestamp.json'), text);
      const v = await ci.tufci('verify', '--from', `dir:${bad}`, '--root', root(), '--no-cache');
      expect(v.code, text).toBe(3);
      expect(v.err, text).toContain(`error: ${file}: `);
      expect(v.err, text).not.toMatch(/internal error|TypeError|Cannot read properties/);
    }
  });
});
