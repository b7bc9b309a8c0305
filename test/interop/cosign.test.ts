/**
 * Interop with go-tuf v2, the third independent client: Debian's cosign (sigstore-go's
 * TUF client) runs `cosign initialize --mirror URL --root ROOT` against a tree tufci
 * published, served over HTTP, and fetches the `trusted_root.json` target a private
 * Sigstore deployment distributes (docs/use-cases/private-sigstore.md). Flat layout:
 * the target is signed by top-level targets. (Hash-bin layouts: not on main yet.)
 * setup-system.sh unpacks cosign under /opt/cosign.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDir, type StaticServer } from '../helpers/static-server.js';
import { World } from '../helpers/world.js';

const COSIGN = '/opt/cosign/usr/bin/cosign';

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
    expect(r.out).not.toMatch(/"error": "[^"]|WARN/i);
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
