/**
 * What `tufci verify --target` downloads from a hashed-bin repository, counted at a real
 * HTTP server (the published tree of the real CLI, 16 bins): a cold lookup fetches
 * timestamp, snapshot, targets, the one bin the path hashes to and the target — the same
 * files and bytes as python-tuf's ngclient doing the same lookup; a warm lookup (the
 * --cache directory of the previous run) fetches timestamp.json only when nothing
 * changed, and only what changed otherwise. Root is only asked for the next version (404).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ngclient } from '../helpers/python-tuf.js';
import { serveDir, type StaticServer } from '../helpers/static-server.js';
import { World } from '../helpers/world.js';

const BITS = 4;
const binOf = (path: string): string => {
  const n = createHash('sha256').update(path).digest().readUInt32BE(0) >>> (32 - BITS);
  return `bins-${n.toString(16)}`;
};
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Two paths in different bins, for one event that changes one bin and not the other. */
const ONE = 'a/one.txt';
const OTHER = ['d/four.txt', 'e/five.txt', 'f/six.txt', 'g/seven.txt'].find(
  (p) => binOf(p) !== binOf(ONE),
)!;

describe('files a target lookup downloads from a hashed-bin repository', () => {
  const w = new World();
  const alice = w.clone('alice');
  const servers: StaticServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.close();
    w.cleanup();
  });
  const cache = join(w.root, 'cache');
  let pinned = '';

  const check = (what: string, r: { code: number; out: string; err: string }): void => {
    expect(r.code, `${what}: ${r.err}${r.out}`).toBe(0);
  };

  /** Merges `branch` after CI updated it and alice signed it; publishes main and serves it. */
  async function land(branch: string, files: Record<string, string>): Promise<StaticServer> {
    w.pushFiles(alice, branch, files);
    check('event update', await w.ci(branch).tufci('event', 'update', '--push'));
    check('sign', await alice.tufci('sign', branch, '--yes'));
    w.merge(branch);
    const main = w.ci();
    check('online-sign', await main.tufci('online-sign', '--push'));
    const site = join(w.root, `site-${servers.length}`);
    check('publish', await main.tufci('publish', '--to', `dir:${site}`));
    pinned = join(site, '1.root.json');
    const server = await serveDir(site);
    servers.push(server);
    return server;
  }

  /** `tufci verify` of one target with the kept cache; the requests it made and their bytes. */
  async function lookup(server: StaticServer, target: string, site: string) {
    server.requests.length = 0;
    const out = join(w.root, 'out');
    const r = await w
      .ci()
      .tufci(
        'verify',
        '--from',
        server.url,
        '--root',
        pinned,
        '--target',
        target,
        '--cache',
        cache,
        '--out',
        out,
      );
    check('verify', r);
    expect(readFileSync(out, 'utf8')).toBe(`${target} bytes\n`);
    const requests = server.requests.map((q) => `${q.status} ${q.path}`);
    const served = server.requests.filter((q) => q.status === 200);
    const bytes = served.reduce((s, q) => s + statSync(join(site, q.path)).size, 0);
    return { requests, bytes };
  }

  /** The versioned name of a role's metadata in the published tree. */
  const published = (site: string, role: string): string => {
    if (role === 'snapshot') {
      const ts = JSON.parse(readFileSync(join(site, 'timestamp.json'), 'utf8'));
      return `${ts.signed.meta['snapshot.json'].version}.snapshot.json`;
    }
    const snap = JSON.parse(readFileSync(join(site, published(site, 'snapshot')), 'utf8'));
    return `${snap.signed.meta[`${role}.json`].version}.${role}.json`;
  };
  const targetFile = (path: string): string => {
    const slash = path.lastIndexOf('/');
    return `targets/${path.slice(0, slash)}/${sha256(`${path} bytes\n`)}.${path.slice(slash + 1)}`;
  };

  it('cold: timestamp, snapshot, targets, the one bin and the target, as ngclient', async () => {
    await w.bootstrap([alice], 1);
    w.sync(alice, 'main');
    const bins = ['targets', '--bins', String(2 ** BITS), '--signers', alice.user];
    check('delegate --bins', await alice.tufci('delegate', 'sign/bins', ...bins));
    w.merge('sign/bins');
    check('online-sign', await w.ci().tufci('online-sign', '--push'));
    w.sync(alice, 'main');
    const files: Record<string, string> = {};
    for (const p of [ONE, 'b/two.txt', 'c/three.txt']) files[`targets/${p}`] = `${p} bytes\n`;
    const server = await land('sign/add', files);
    const site = join(w.root, 'site-0');

    const cold = await lookup(server, ONE, site);
    expect(cold.requests).toEqual([
      '404 2.root.json',
      '200 timestamp.json',
      `200 ${published(site, 'snapshot')}`,
      `200 ${published(site, 'targets')}`,
      `200 ${published(site, binOf(ONE))}`,
      `200 ${targetFile(ONE)}`,
    ]);

    // python-tuf's ngclient, the same lookup from the same server: the same files and bytes
    server.requests.length = 0;
    const py = await ngclient({
      trustedRoot: pinned,
      baseUrl: server.url,
      workDir: mkdtempSync(join(w.root, 'py-')),
      targets: [ONE],
    });
    expect(py.error).toBeUndefined();
    const pyServed = server.requests.filter((q) => q.status === 200);
    expect(pyServed.map((q) => `200 ${q.path}`)).toEqual(cold.requests.slice(1));
    expect(pyServed.reduce((s, q) => s + statSync(join(site, q.path)).size, 0)).toBe(cold.bytes);
  });

  it('warm, nothing changed: timestamp.json only (the target is kept in the cache)', async () => {
    const site = join(w.root, 'site-0');
    const warm = await lookup(servers[0]!, ONE, site);
    expect(warm.requests).toEqual(['404 2.root.json', '200 timestamp.json']);
    expect(warm.bytes).toBe(statSync(join(site, 'timestamp.json')).size);
  });

  it('warm, one bin changed: timestamp, snapshot, and the changed bin only when looked in', async () => {
    w.sync(alice, 'main');
    const server = await land('sign/more', { [`targets/${OTHER}`]: `${OTHER} bytes\n` });
    const site = join(w.root, 'site-1');
    // the bin of ONE did not change, nor did targets.json: neither is downloaded again
    expect((await lookup(server, ONE, site)).requests).toEqual([
      '404 2.root.json',
      '200 timestamp.json',
      `200 ${published(site, 'snapshot')}`,
    ]);
    expect((await lookup(server, OTHER, site)).requests).toEqual([
      '404 2.root.json',
      '200 timestamp.json',
      `200 ${published(site, binOf(OTHER))}`,
      `200 ${targetFile(OTHER)}`,
    ]);
    expect((await lookup(server, OTHER, site)).requests).toEqual([
      '404 2.root.json',
      '200 timestamp.json',
    ]);
    // the event gave a new version to that bin, and to neither targets nor the bin of ONE
    const before = join(w.root, 'site-0');
    expect(published(site, binOf(OTHER))).not.toBe(published(before, binOf(OTHER)));
    for (const role of ['targets', binOf(ONE)])
      expect(published(site, role)).toBe(published(before, role));
  });
});
