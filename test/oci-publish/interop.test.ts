/**
 * What `tufci publish --to oci://…` writes is readable by independent tools: oras pulls
 * the metadata files (named by their title) and the raw target blobs, skopeo inspects
 * and copies the manifests keeping their digests, and python-tuf's ngclient verifies a
 * static copy assembled from what oras fetched.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
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

describe('independent tools read the published repository', () => {
  it('oras pulls the metadata files by name, python-tuf verifies a static copy', async () => {
    const site = mkdtempSync(join(fx.w.root, 'site-'));
    await oras('pull', `${repo}:latest`, '-o', site);
    await oras('pull', `${repo}:team`, '-o', site);
    const tree = fx.tree();
    const metadata = tree.entries.filter((e) => e.kind !== 'target').map((e) => e.path);
    expect(readdirSync(site).sort()).toEqual([...metadata].sort());

    // Each target tag (a top-level file, or a directory) pulls into the static tree.
    const targetTags = ['docs', 'team', `${sha256(files['app.txt']!)}.app.txt`];
    for (const tag of targetTags)
      await oras('pull', `${repo}/targets:${tag}`, '-o', join(site, 'targets'));
    for (const [path, content] of Object.entries(files)) {
      const i = path.lastIndexOf('/');
      const published = `${path.slice(0, i + 1)}${sha256(content)}.${path.slice(i + 1)}`;
      expect(readFileSync(join(site, 'targets', published), 'utf8')).toBe(content);
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
