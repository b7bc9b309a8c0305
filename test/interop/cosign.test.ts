/**
 * Interop with go-tuf v2, the third independent client: Debian's cosign 3 (sigstore-go's
 * TUF client) runs `cosign initialize --mirror URL --root ROOT` against a tree tufci
 * published, served over HTTP, and fetches the `trusted_root.json` target a private
 * Sigstore deployment distributes (docs/use-cases/private-sigstore.md). Flat layout:
 * the target is signed by top-level targets; hash-bin layout (docs/LAYOUTS.md): it sits
 * in one of 16 succinct bins, which go-tuf finds by the path's hash.
 * setup-system.sh unpacks cosign 3 from Debian unstable under /opt/cosign3 (trixie's
 * cosign 2.5 initializes with go-tuf v0.7, which fetches top-level targets only).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDir, type StaticServer } from '../helpers/static-server.js';
import { World } from '../helpers/world.js';

/** cosign 3 from Debian unstable (scripts/setup-system.sh): trixie's 2.5 initializes with go-tuf v0.7. */
const COSIGN = '/opt/cosign3/usr/bin/cosign';

/** A minimal Sigstore trusted-root document, as cosign accepts it. */
const TRUSTED_ROOT = `${JSON.stringify(
  { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [] },
  null,
  2,
)}\n`;

function cosign(home: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((ok) => {
    execFile(
      COSIGN,
      args,
      { env: { HOME: home, PATH: process.env.PATH }, timeout: 120_000 },
      (e, stdout, stderr) =>
        ok({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

/** The bin of 16 (TAP 15) a path hashes to: the top 4 bits of sha256(path). */
const binOf = (path: string): string =>
  `bins-${(createHash('sha256').update(path).digest()[0]! >> 4).toString(16)}`;

/**
 * Errors and warnings in cosign's output. cosign 3 also looks for an optional
 * `signing_config.v0.2.json` target (service URLs for signing) and warns that it is
 * absent: not a verification problem, so that warning alone is left out.
 */
function problems(out: string): string[] {
  return out
    .split('\n')
    .filter(
      (l) =>
        /"error": "[^"]|WARN/i.test(l) && !/target signing_config\.v[\d.]+json not found/.test(l),
    );
}

/** Every file under `dir`, relative paths. */
function filesUnder(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory()
      ? filesUnder(full, `${prefix}${name}/`)
      : [`${prefix}${name}`];
  });
}

describe('cosign (go-tuf v2) reads what tufci publishes', () => {
  const w = new World();
  const alice = w.clone('alice', '@alice', 'ed25519');
  const site = join(w.root, 'site');
  let server: StaticServer;

  beforeAll(async () => {
    await w.bootstrap([alice], 1);
    w.pushFiles(alice, 'sign/sigstore', { 'targets/trusted_root.json': TRUSTED_ROOT });
    const up = await w.ci('sign/sigstore').tufci('event', 'update', '--push');
    expect(up.err).toBe('');
    expect((await alice.tufci('sign', 'sign/sigstore', '--yes')).code).toBe(0);
    w.merge('sign/sigstore');
    const ci = w.ci();
    expect((await ci.tufci('online-sign', '--push')).code).toBe(0);
    expect((await ci.tufci('publish', '--to', `dir:${site}`)).err).toBe('');
    server = await serveDir(site);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    w.cleanup();
  });

  it('cosign initialize verifies the tree and fetches trusted_root.json, byte for byte', async () => {
    const home = join(w.root, 'cosign-home');
    mkdirSync(home, { recursive: true });
    const mirror = server.url.replace(/\/$/, '');
    const r = await cosign(home, [
      'initialize',
      '--mirror',
      mirror,
      '--root',
      join(site, '1.root.json'),
    ]);
    expect(problems(r.out)).toEqual([]);
    expect(r.code).toBe(0);
    const cached = filesUnder(join(home, '.sigstore'));
    const target = cached.find((f) => f.endsWith('targets/trusted_root.json'));
    expect(target, `cosign's cache holds: ${cached.join(', ')}`).toBeDefined();
    expect(readFileSync(join(home, '.sigstore', target!), 'utf8')).toBe(TRUSTED_ROOT);
    // go-tuf walked the consistent-snapshot tree tufci published
    const served = server.requests.filter((q) => q.status === 200).map((q) => q.path);
    expect(served).toContain('timestamp.json');
    expect(served.some((p) => /^\d+\.snapshot\.json$/.test(p))).toBe(true);
    expect(served.some((p) => /^\d+\.targets\.json$/.test(p))).toBe(true);
    expect(served.some((p) => /^targets\/[0-9a-f]{64}\.trusted_root\.json$/.test(p))).toBe(true);
  });

  it('cosign refuses the tree under another pinned root', async () => {
    const other = new World();
    try {
      const bob = other.clone('bob', '@bob', 'ed25519');
      await other.bootstrap([bob], 1);
      const foreignRoot = join(other.ci().dir, 'metadata', 'root_history', '1.root.json');
      const home = join(w.root, 'cosign-foreign');
      mkdirSync(home, { recursive: true });
      const r = await cosign(home, [
        'initialize',
        '--mirror',
        server.url.replace(/\/$/, ''),
        '--root',
        foreignRoot,
      ]);
      expect(r.code).not.toBe(0);
      const fetched = filesUnder(join(home, '.sigstore')).filter((f) =>
        f.endsWith('trusted_root.json'),
      );
      expect(fetched).toEqual([]);
    } finally {
      other.cleanup();
    }
  });
});

describe('cosign (go-tuf v2) reads a hash-bin layout tufci publishes', () => {
  const w = new World();
  const alice = w.clone('alice', '@alice', 'ed25519');
  const site = join(w.root, 'site');
  let server: StaticServer;
  let bin: string;

  beforeAll(async () => {
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
    w.merge('sign/bins');
    expect((await w.ci().tufci('online-sign', '--push')).code).toBe(0);
    w.pushFiles(alice, 'sign/sigstore', { 'targets/trusted_root.json': TRUSTED_ROOT });
    const ci = w.ci('sign/sigstore');
    const up = await ci.tufci('event', 'update', '--push');
    expect(up.code, up.err).toBe(0);
    bin = /Committed new metadata for (bins-[0-9a-f])\./.exec(up.out)?.[1] ?? '';
    expect(bin).not.toBe('');
    expect((await alice.tufci('sign', 'sign/sigstore', '--yes')).code).toBe(0);
    w.merge('sign/sigstore');
    const main = w.ci();
    expect((await main.tufci('online-sign', '--push')).code).toBe(0);
    expect((await main.tufci('publish', '--to', `dir:${site}`)).err).toBe('');
    const targets = JSON.parse(readFileSync(join(main.dir, 'metadata', 'targets.json'), 'utf8'));
    expect(targets.signed.targets).toEqual({});
    server = await serveDir(site);
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    w.cleanup();
  });

  it('cosign initialize finds trusted_root.json in its bin, byte for byte', async () => {
    const home = join(w.root, 'cosign-home');
    mkdirSync(home, { recursive: true });
    const r = await cosign(home, [
      'initialize',
      '--mirror',
      server.url.replace(/\/$/, ''),
      '--root',
      join(site, '1.root.json'),
    ]);
    expect(problems(r.out)).toEqual([]);
    expect(r.code).toBe(0);
    const cached = filesUnder(join(home, '.sigstore'));
    const target = cached.find((f) => f.endsWith('targets/trusted_root.json'));
    expect(target, `cosign's cache holds: ${cached.join(', ')}`).toBeDefined();
    expect(readFileSync(join(home, '.sigstore', target!), 'utf8')).toBe(TRUSTED_ROOT);
    // go-tuf fetched the bin trusted_root.json hashes to, and only the bins of the targets
    // cosign looks up (trusted_root.json and the optional signing config)
    const served = server.requests.filter((q) => q.status === 200).map((q) => q.path);
    const bins = new Set(served.flatMap((p) => /^\d+\.(bins-[0-9a-f])\.json$/.exec(p)?.[1] ?? []));
    expect(bin).toBe(binOf('trusted_root.json'));
    expect(bins.has(bin)).toBe(true);
    const looked = new Set([bin, binOf('signing_config.v0.2.json')]);
    expect([...bins].filter((b) => !looked.has(b))).toEqual([]);
  });
});
