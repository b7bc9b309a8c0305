/**
 * What `tufci publish --to oci://…` writes is readable by independent tools: oras pulls
 * the metadata files (named by their title) and the raw target blobs, skopeo inspects
 * and copies the manifests keeping their digests, and python-tuf's ngclient verifies a
 * static copy assembled from what oras fetched.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TUF_FILENAME_ANNOTATION,
  type ImageIndex,
  type ImageManifest,
} from '../../lib/oci/index.js';
import { ngclient, type DownloadedTarget } from '../helpers/python-tuf.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { serveDir } from '../helpers/static-server.js';
import { Fixture, ORAS, SKOPEO, ok, tool } from './support.js';

const sha256 = (s: string | Uint8Array): string => createHash('sha256').update(s).digest('hex');
const files: Record<string, string> = {
  'app.txt': 'hello app\n',
  'docs/guide.md': '# guide\n',
  'team/tool.sh': 'echo tool\n',
};

let registry: TestRegistry;
let repo: string;
const fx = new Fixture();
const home = (): NodeJS.ProcessEnv => ({
  HOME: fx.w.root,
  DOCKER_CONFIG: join(fx.w.root, '.oras'),
});
const oras = (...args: string[]): Promise<string> => tool(ORAS, [...args, '--plain-http'], home());

beforeAll(async () => {
  registry = await startRegistry();
  repo = `${registry.host}/acme/tuf`;
  await fx.bootstrap('team');
  await fx.event(files);
  ok('publish', await fx.tufci('publish', '--to', `oci://${repo}`));
});
afterAll(async () => {
  await registry?.stop();
  fx.cleanup();
});

/** Fetches a target's raw blob with oras alone, following the layout as Docker's client does. */
async function fetchTarget(path: string, dest: string): Promise<void> {
  const hash = sha256(files[path]!);
  const slash = path.lastIndexOf('/');
  const fileName = `${hash}.${path.slice(slash + 1)}`;
  let manifest: ImageManifest;
  if (slash < 0) {
    manifest = JSON.parse(await oras('manifest', 'fetch', `${repo}/targets:${fileName}`));
  } else {
    const index = JSON.parse(
      await oras('manifest', 'fetch', `${repo}/targets:${path.split('/')[0]}`),
    ) as ImageIndex;
    const entry = index.manifests.find(
      (m) => m.annotations?.[TUF_FILENAME_ANNOTATION] === `${path.slice(0, slash)}/${fileName}`,
    );
    manifest = JSON.parse(await oras('manifest', 'fetch', `${repo}/targets@${entry!.digest}`));
  }
  const layer = manifest.layers.find((l) => l.annotations?.[TUF_FILENAME_ANNOTATION] === fileName);
  mkdirSync(dirname(dest), { recursive: true });
  await oras('blob', 'fetch', `${repo}/targets@${layer!.digest}`, '--output', dest);
}

describe('independent tools read the published repository', () => {
  it('oras pulls the metadata files by name, python-tuf verifies a static copy', async () => {
    const site = mkdtempSync(join(fx.w.root, 'site-'));
    await oras('pull', `${repo}:latest`, '-o', site);
    await oras('pull', `${repo}:team`, '-o', site);
    const tree = fx.tree();
    const metadata = tree.entries.filter((e) => e.kind !== 'target').map((e) => e.path);
    expect(readdirSync(site).sort()).toEqual([...metadata].sort());
    for (const path of Object.keys(files)) {
      const hash = sha256(files[path]!);
      const i = path.lastIndexOf('/');
      await fetchTarget(
        path,
        join(site, 'targets', `${path.slice(0, i + 1)}${hash}.${path.slice(i + 1)}`),
      );
    }
    const server = await serveDir(site);
    try {
      const res = await ngclient({
        trustedRoot: fx.root1,
        baseUrl: server.url,
        workDir: mkdtempSync(join(fx.w.root, 'py-')),
        targets: Object.keys(files),
      });
      expect(res.error).toBeUndefined();
      for (const [path, content] of Object.entries(files)) {
        const t = res.targets[path] as DownloadedTarget;
        expect(t.sha256, path).toBe(sha256(content));
        expect(readFileSync(t.file, 'utf8')).toBe(content);
      }
    } finally {
      await server.close();
    }
  });

  it('skopeo inspects the manifests (--raw) and copies them with their digests', async () => {
    // skopeo 1.9 refuses "image-specific" inspection of any artifact whose config is the
    // empty descriptor (image-spec 1.1); --raw reads the manifest itself.
    const inspect = (ref: string): Promise<string> =>
      tool(SKOPEO, ['inspect', '--raw', '--tls-verify=false', `docker://${repo}${ref}`]);
    const latest = await inspect(':latest');
    expect((JSON.parse(latest) as ImageManifest).artifactType).toBe(
      'application/vnd.tuf.metadata+json',
    );
    const team = JSON.parse(await inspect(':team')) as ImageManifest;
    expect(team.layers[0]!.annotations?.[TUF_FILENAME_ANNOTATION]).toMatch(/^\d+\.team\.json$/);
    const layout = join(fx.w.root, 'skopeo-layout');
    for (const tag of ['latest', 'team']) {
      await tool(SKOPEO, [
        'copy',
        '--src-tls-verify=false',
        `docker://${repo}:${tag}`,
        `oci:${layout}:${tag}`,
      ]);
    }
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as ImageIndex;
    const copied = index.manifests.find(
      (m) => m.annotations?.['org.opencontainers.image.ref.name'] === 'latest',
    );
    expect(copied?.digest).toBe(`sha256:${sha256(latest)}`);
    // The copy is a TUF-on-OCI repository of its own: verify from it, offline.
    const v = ok(
      'verify copy',
      await fx.tufci('verify', '--from', `oci-layout:${layout}`, '--root', fx.root1),
    );
    expect(v.out).toContain('Repository verified');
  });
});
