/**
 * Hashed bins (TAP 15 succinct delegations) through the real CLI on a real bare remote:
 * `delegate --bins`, targets placed by hash, one bin re-signed per added target, every
 * bin in the snapshot, re-shaping, and python-tuf's ngclient and tufci verify (tuf-js)
 * reading a target from a bin of the published tree over HTTP.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ngclient } from '../helpers/python-tuf.js';
import { serveDir } from '../helpers/static-server.js';
import { World, git } from '../helpers/world.js';
import type { Clone } from '../helpers/world.js';

/** The bin TAP 15 assigns a path to: the top `bits` bits of sha256(path), in hex. */
const binOf = (path: string, bits: number, prefix = 'bins'): string => {
  const n = createHash('sha256').update(path).digest().readUInt32BE(0) >>> (32 - bits);
  return `${prefix}-${n.toString(16).padStart((2 ** bits - 1).toString(16).length, '0')}`;
};

interface Signed {
  version: number;
  expires: string;
  targets: Record<string, unknown>;
  meta: Record<string, { version: number }>;
  delegations: { succinct_roles: unknown };
}

const meta = (c: Clone, role: string): { signed: Signed; signatures: unknown[] } =>
  JSON.parse(readFileSync(join(c.dir, 'metadata', `${role}.json`), 'utf8'));

const binFiles = (c: Clone, prefix = 'bins'): string[] =>
  readdirSync(join(c.dir, 'metadata'))
    .filter((f) => f.startsWith(`${prefix}-`))
    .sort();

/** Publishes main to a fresh directory and serves it; returns the server and the directory. */
async function publishAndServe(w: World, name: string) {
  const ci = w.ci();
  const on = await ci.tufci('online-sign', '--push');
  expect(on.code, on.err).toBe(0);
  const site = join(w.root, name);
  const p = await ci.tufci('publish', '--to', `dir:${site}`);
  expect(p.code, p.err).toBe(0);
  return { ci, site, server: await serveDir(site), online: on };
}

describe('hashed bins signed offline', () => {
  const w = new World();
  afterAll(() => w.cleanup());
  const alice = w.clone('alice');
  const pyState = mkdtempSync(join(w.root, 'py-cached-'));

  it('delegate --bins 16 creates 16 empty signed bins in one event', async () => {
    await w.bootstrap([alice], 1);
    w.sync(alice, 'main');
    const d = await alice.tufci(
      'delegate',
      'sign/bins',
      'targets',
      '--bins',
      '16',
      '--signers',
      '@alice',
    );
    expect(d.code, d.err).toBe(0);
    expect(d.out).toContain('Bins bins-0 … bins-f (16 bins)');
    // the signer of targets sees the delegation it signs
    expect(d.out).toContain('* signers of bins-* (16 hash bins): none -> @alice; threshold 1');
    const ci = w.ci('sign/bins');
    const st = JSON.parse((await ci.tufci('status', '--json')).out);
    expect(st.complete).toBe(true);
    const text = (await ci.tufci('status')).out;
    expect(text).toContain('bins-0 … bins-f (16 bins)');
    expect(text.split('\n').filter((l) => /^\s+bins-[0-9a-f] v/.test(l))).toEqual([]);
    const t = meta(ci, 'targets').signed;
    expect(t.delegations.succinct_roles).toMatchObject({
      bit_length: 4,
      name_prefix: 'bins',
      threshold: 1,
    });
    expect(binFiles(ci)).toHaveLength(16);
    for (const f of binFiles(ci)) {
      const b = JSON.parse(readFileSync(join(ci.dir, 'metadata', f), 'utf8'));
      expect(b.signed.targets).toEqual({});
      expect(b.signatures).toHaveLength(1);
    }
    w.merge('sign/bins');
    const { ci: main, server } = await publishAndServe(w, 'site0');
    await server.close();
    const snap = meta(main, 'snapshot').signed.meta;
    for (const f of binFiles(main)) expect(snap[f]?.version).toBe(1);
  });

  it('adding one target changes exactly one bin; sign signs that bin; clients verify it', async () => {
    const path = 'app/tool-1.0.tgz';
    const bin = binOf(path, 4);
    w.pushFiles(alice, 'sign/add', { [`targets/${path}`]: 'tool bytes\n' });
    const ci = w.ci('sign/add');
    const up = await ci.tufci('event', 'update', '--push');
    expect(up.code, up.err).toBe(0);
    expect(up.out).toContain(`Committed new metadata for ${bin}.`);
    const changed = git(ci.dir, 'show', '--name-only', '--format=', 'HEAD').trim().split('\n');
    expect(changed).toEqual([`metadata/${bin}.json`]);
    expect(meta(ci, bin).signed.version).toBe(2);
    expect(meta(ci, bin).signatures).toEqual([]);
    const s = await alice.tufci('sign', 'sign/add', '--yes');
    expect(s.code, s.err).toBe(0);
    expect(s.out).toContain(`Signed ${bin}.`);
    expect(s.out).toContain(`added    "${path}"`);
    w.merge('sign/add');
    const { ci: main, site, server } = await publishAndServe(w, 'site1');
    try {
      const snap = meta(main, 'snapshot').signed.meta;
      expect(Object.keys(snap).filter((k) => k.startsWith('bins-'))).toHaveLength(16);
      expect(snap[`${bin}.json`]?.version).toBe(2);
      const py = await ngclient({
        trustedRoot: join(site, '1.root.json'),
        baseUrl: server.url,
        workDir: pyState,
        targets: [path],
      });
      expect(py.error).toBeUndefined();
      expect(py.targets[path]).toMatchObject({ length: 11 });
      expect(py.versions?.[bin]).toBe(2);
      const out = join(w.root, 'tool.out');
      const v = await main.tufci('verify', '--from', server.url, '--target', path, '--out', out);
      expect(v.code, v.err).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe('tool bytes\n');
      // the client fetched the one bin the path hashes to, not the other fifteen
      const bins = server.requests.filter((q) => /bins-/.test(q.path)).map((q) => q.path);
      expect(bins.every((p) => p.endsWith(`.${bin}.json`))).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('re-shaping to 4 bins moves every target; clients (cached and new) still verify', async () => {
    const paths = ['app/tool-1.0.tgz', 'a.txt', 'docs/x/y.md'];
    w.pushFiles(alice, 'sign/more', { 'targets/a.txt': 'a\n', 'targets/docs/x/y.md': 'y\n' });
    expect((await w.ci('sign/more').tufci('event', 'update', '--push')).code).toBe(0);
    expect((await alice.tufci('sign', 'sign/more', '--yes')).code).toBe(0);
    w.merge('sign/more');
    await (await publishAndServe(w, 'site2')).server.close();

    w.sync(alice, 'main');
    const d = await alice.tufci('delegate', 'sign/reshape', 'targets', '--bins', '4');
    expect(d.code, d.err).toBe(0);
    expect(d.out).toContain('* signers of bins-* (16 hash bins): @alice; threshold 1 -> none');
    expect(d.out).toContain('* signers of bins-* (4 hash bins): none -> @alice; threshold 1');
    const ci = w.ci('sign/reshape');
    // bins-0 … bins-3 keep their names (a new version each), bins-4 … bins-f are gone
    expect(binFiles(ci)).toEqual(['bins-0.json', 'bins-1.json', 'bins-2.json', 'bins-3.json']);
    for (const p of paths) expect(Object.keys(meta(ci, binOf(p, 2)).signed.targets)).toContain(p);
    expect(JSON.parse((await ci.tufci('status', '--json')).out).complete).toBe(true);
    w.merge('sign/reshape');
    const { ci: main, site, server } = await publishAndServe(w, 'site3');
    try {
      const snap = meta(main, 'snapshot').signed.meta;
      for (const b of ['bins-0', 'bins-1', 'bins-2', 'bins-3'])
        expect(snap[`${b}.json`]).toBeDefined();
      for (const workDir of [pyState, mkdtempSync(join(w.root, 'py-new-'))]) {
        const py = await ngclient({
          trustedRoot: join(site, '1.root.json'),
          baseUrl: server.url,
          workDir,
          targets: paths,
        });
        expect(py.error).toBeUndefined();
        for (const p of paths) expect(py.targets[p]).toMatchObject({ length: expect.any(Number) });
      }
      for (const p of paths) {
        const v = await main.tufci(
          'verify',
          '--from',
          server.url,
          '--target',
          p,
          '--out',
          join(w.root, 'o'),
        );
        expect(v.code, v.err).toBe(0);
      }
    } finally {
      await server.close();
    }
  });

  it('bump-expiring opens one event for the bins due, not one per bin', async () => {
    const ci = w.ci();
    const expires = new Date(meta(ci, 'bins-0').signed.expires);
    const was = w.now;
    w.now = new Date(expires.getTime() - 30 * 86_400_000);
    try {
      const r = await ci.tufci('bump-expiring');
      expect(r.code, r.err).toBe(0);
      const bump = w.remoteBranches().filter((b) => b.startsWith('sign/bump-bins-'));
      expect(bump).toHaveLength(1);
      expect(r.out).toContain(`bins-0 … bins-3 (4 bins): bins-`);
      const changed = git(w.remote, 'diff', '--name-only', 'main', bump[0]!).trim().split('\n');
      expect(changed).toEqual([
        'metadata/bins-0.json',
        'metadata/bins-1.json',
        'metadata/bins-2.json',
        'metadata/bins-3.json',
      ]);
    } finally {
      w.now = was;
    }
  });

  it('refuses a bad --bins before touching anything', async () => {
    w.sync(alice, 'main');
    for (const bad of ['1000', '1', '0', 'x', '32768']) {
      const r = await alice.tufci('delegate', 'sign/bad', 'targets', '--bins', bad);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`--bins "${bad}": the number of bins must be a power of two`);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
    expect(w.remoteBranches()).not.toContain('sign/bad');
    expect(existsSync(join(alice.dir, 'metadata', 'bins-0.json'))).toBe(true);
  });
});

describe('hashed bins signed by the online key (PEP 458 style)', () => {
  const w = new World();
  afterAll(() => w.cleanup());
  const alice = w.clone('alice');

  it('delegate --bins 8 --online: the bins need no human signature', async () => {
    await w.bootstrap([alice], 1);
    w.sync(alice, 'main');
    const d = await alice.tufci(
      'delegate',
      'sign/online-bins',
      'targets',
      '--bins',
      '8',
      '--online',
    );
    expect(d.code, d.err).toBe(0);
    expect(d.out).toContain('* signers of bins-* (8 hash bins): none -> online key; threshold 1');
    const ci = w.ci('sign/online-bins');
    const t = meta(ci, 'targets').signed;
    const sr = t.delegations.succinct_roles as { keyids: string[] };
    const root = meta(ci, 'root').signed as unknown as {
      roles: Record<string, { keyids: string[] }>;
    };
    expect(sr.keyids).toEqual(root.roles.timestamp!.keyids);
    expect(binFiles(ci)).toHaveLength(8);
    for (const f of binFiles(ci))
      expect(JSON.parse(readFileSync(join(ci.dir, 'metadata', f), 'utf8')).signatures).toEqual([]);
    const st = JSON.parse((await ci.tufci('status', '--json')).out);
    expect(st.complete).toBe(true);
    expect((await ci.tufci('status')).out).toContain('bins-0 … bins-7 (8 bins) v1 (expires');
    w.merge('sign/online-bins');
    const { ci: main, online, server } = await publishAndServe(w, 'site0');
    await server.close();
    expect(online.out).toContain('Signed 8 online bin(s) with the online key.');
    for (const f of binFiles(main))
      expect(
        JSON.parse(readFileSync(join(main.dir, 'metadata', f), 'utf8')).signatures,
      ).toHaveLength(1);
  });

  it('adding a target: event update changes one bin, nobody signs, online-sign signs it', async () => {
    const path = 'pkgs/lib-2.0.whl';
    const bin = binOf(path, 3);
    w.pushFiles(alice, 'sign/upload', { [`targets/${path}`]: 'wheel\n' });
    const ci = w.ci('sign/upload');
    const up = await ci.tufci('event', 'update', '--push');
    expect(up.code, up.err).toBe(0);
    expect(up.out).toContain(`Committed new metadata for ${bin}.`);
    const st = JSON.parse((await w.ci('sign/upload').tufci('status', '--json')).out);
    expect(st.complete).toBe(true);
    expect(st.roles.map((r: { role: string }) => r.role)).toEqual([bin]);
    // alice has nothing to sign
    const s = await alice.tufci('sign', 'sign/upload', '--yes');
    expect(s.code, s.err).toBe(0);
    expect(s.out).toContain('Nothing left to do');
    w.merge('sign/upload');
    const { ci: main, online, site, server } = await publishAndServe(w, 'site1');
    try {
      expect(online.out).toContain('Signed 1 online bin(s) with the online key.');
      expect(meta(main, bin).signed.version).toBe(2);
      expect(meta(main, 'snapshot').signed.meta[`${bin}.json`]?.version).toBe(2);
      const py = await ngclient({
        trustedRoot: join(site, '1.root.json'),
        baseUrl: server.url,
        workDir: mkdtempSync(join(w.root, 'py-')),
        targets: [path],
      });
      expect(py.error).toBeUndefined();
      expect(py.targets[path]).toMatchObject({ length: 6 });
      const out = join(w.root, 'lib.out');
      const v = await main.tufci('verify', '--from', server.url, '--target', path, '--out', out);
      expect(v.code, v.err).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe('wheel\n');
      // a second online-sign has nothing to do
      const again = await main.tufci('online-sign');
      expect(again.out).toContain('nothing to sign');
    } finally {
      await server.close();
    }
  });
});

describe('hash bins below a delegated role', () => {
  const w = new World();
  afterAll(() => w.cleanup());
  const alice = w.clone('alice');
  const bob = w.clone('bob');

  it('targets → packages → 4 bins: files in targets/packages/ land in their bin; clients verify', async () => {
    await w.bootstrap([alice], 1);
    w.sync(alice, 'main');
    const keys = ['--key', `${bob.user}=${bob.pubfile}`];
    const d = await alice.tufci('delegate', 'sign/pkgs', 'packages', '--signers', '@bob', ...keys);
    expect(d.code, d.err).toBe(0);
    expect((await bob.tufci('sign', 'sign/pkgs', '--yes')).code).toBe(0);
    w.sync(bob, 'sign/pkgs');
    const b = await bob.tufci(
      'delegate',
      'sign/pkgs',
      'packages',
      '--bins',
      '4',
      '--signers',
      '@bob',
    );
    expect(b.code, b.err).toBe(0);
    expect(b.out).toContain(
      '* signers of packages-bins-* (4 hash bins): none -> @bob; threshold 1',
    );
    w.merge('sign/pkgs');
    await (await publishAndServe(w, 'site0')).server.close();

    const path = 'packages/x/lib-1.tgz';
    const bin = binOf(path, 2, 'packages-bins');
    w.pushFiles(alice, 'sign/upload', { [`targets/${path}`]: 'lib\n' });
    const up = await w.ci('sign/upload').tufci('event', 'update', '--push');
    expect(up.code, up.err).toBe(0);
    expect(up.out).toContain(`Committed new metadata for ${bin}.`);
    const s = await bob.tufci('sign', 'sign/upload', '--yes');
    expect(s.code, s.err).toBe(0);
    expect(s.out).toContain(`Signed ${bin}.`);
    w.merge('sign/upload');
    const { ci: main, site, server } = await publishAndServe(w, 'site1');
    try {
      expect(Object.keys(meta(main, bin).signed.targets)).toEqual([path]);
      const py = await ngclient({
        trustedRoot: join(site, '1.root.json'),
        baseUrl: server.url,
        workDir: mkdtempSync(join(w.root, 'py-')),
        targets: [path],
      });
      expect(py.error).toBeUndefined();
      expect(py.targets[path]).toMatchObject({ length: 4 });
      const v = await main.tufci(
        'verify',
        '--from',
        server.url,
        '--target',
        path,
        '--out',
        join(w.root, 'o'),
      );
      expect(v.code, v.err).toBe(0);
      expect(readFileSync(join(w.root, 'o'), 'utf8')).toBe('lib\n');
    } finally {
      await server.close();
    }
  });
});
