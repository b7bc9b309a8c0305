/**
 * Target names with control characters (a tab, U+0007) are signed as they are and
 * verified from every source: the built `tufci verify` fetches them from a directory,
 * over HTTP and from a registry, and python-tuf's ngclient verifies the same tree. A URL
 * parser drops tabs, so the client percent-encodes target paths segment by segment.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetUrlPath } from '../../lib/client/tuf-client.js';
import { ngclient, type DownloadedTarget } from '../helpers/python-tuf.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { serveDir, type StaticServer } from '../helpers/static-server.js';
import { World } from '../helpers/world.js';

const BIN = resolve('build/signer-cli/main.js');
const sha256 = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');

const TAB = 'with\ttab.txt';
const BELL = 'dir/bell-\u0007.bin';
/** URL syntax in a name: tufci fetches it; python-tuf's ngclient does not (it sends `%41` as is). */
const SYNTAX = 'dir/per cent %41?#.bin';
const BYTES: Record<string, string> = {
  [TAB]: 'a tab in the name\n',
  [BELL]: 'a bell\n',
  [SYNTAX]: 'URL syntax\n',
};

function cli(cwd: string, env: Record<string, string | undefined>, args: string[]) {
  return new Promise<{ code: number; out: string; err: string }>((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: env as NodeJS.ProcessEnv, encoding: 'utf8' },
      (e, out, err) => done({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, out, err }),
    );
  });
}

describe('target names with control characters verify from every source', () => {
  const w = new World();
  const alice = w.clone('alice', '@alice', 'ed25519');
  const site = join(w.root, 'site');
  let server: StaticServer;
  let registry: TestRegistry;
  let oci: string;

  beforeAll(async () => {
    registry = await startRegistry();
    oci = `oci://${registry.host}/acme/tuf`;
    await w.bootstrap([alice], 1);
    // files in targets/dir/ belong to a delegated role `dir`
    const d = await alice.tufci('delegate', 'sign/names', 'dir', '--signers', '@alice');
    expect(d.err).toBe('');
    w.pushFiles(
      alice,
      'sign/names',
      Object.fromEntries(Object.entries(BYTES).map(([name, text]) => [`targets/${name}`, text])),
    );
    const u = await w.ci('sign/names').tufci('event', 'update', '--push');
    expect(u.err).toBe('');
    expect((await alice.tufci('sign', 'sign/names', '--yes')).code).toBe(0);
    w.merge('sign/names');
    const ci = w.ci();
    expect((await ci.tufci('online-sign', '--push')).code).toBe(0);
    expect((await ci.tufci('publish', '--to', `dir:${site}`)).err).toBe('');
    expect((await ci.tufci('publish', '--to', oci)).err).toBe('');
    server = await serveDir(site);
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await registry?.stop();
    w.cleanup();
  });

  it('encodes each segment, keeping the slashes', () => {
    expect(targetUrlPath(TAB)).toBe('with%09tab.txt');
    expect(targetUrlPath(BELL)).toBe('dir/bell-%07.bin');
    expect(targetUrlPath(SYNTAX)).toBe('dir/per%20cent%20%2541%3F%23.bin');
  });

  it.each([
    ['dir:', () => `dir:${site}`],
    ['http://', () => server.url],
    ['oci://', () => oci],
  ])('tufci verify --from %s downloads each', async (_kind, from) => {
    for (const name of [TAB, BELL, SYNTAX]) {
      const out = join(mkdtempSync(join(w.root, 'out-')), 'target');
      const r = await cli(w.root, w.env, [
        'verify',
        '--from',
        from(),
        '--root',
        join(site, '1.root.json'),
        '--no-cache',
        '--target',
        name,
        '--out',
        out,
      ]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toContain(`sha256 ${sha256(BYTES[name]!)}`);
      expect(readFileSync(out, 'utf8')).toBe(BYTES[name]);
    }
    if (from() === server.url) {
      const served = server.requests.filter((q) => q.status === 200).map((q) => q.path);
      expect(served).toContain(`targets/${sha256(BYTES[TAB]!)}.${TAB}`);
    }
  });

  it('python-tuf verifies the same tree over HTTP', async () => {
    const res = await ngclient({
      trustedRoot: join(site, '1.root.json'),
      baseUrl: server.url,
      workDir: mkdtempSync(join(w.root, 'py-')),
      targets: [TAB, BELL],
    });
    expect(res.error).toBeUndefined();
    for (const name of [TAB, BELL]) {
      const got = res.targets[name] as DownloadedTarget;
      expect(got.sha256, name).toBe(sha256(BYTES[name]!));
      expect(readFileSync(got.file, 'utf8')).toBe(BYTES[name]);
    }
  });
});
