/**
 * `tufci publish --to oci://HOST/REPO` against Debian's docker-registry writes Docker's
 * TUF-on-OCI layout (go-tuf-mirror conventions), with artifactType set and tags kept
 * valid; `tufci verify --from oci://…` and `--from oci-layout:DIR` read it back.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EMPTY_JSON,
  RegistryClient,
  TUF_FILENAME_ANNOTATION,
  parseManifest,
  type ImageIndex,
  type ImageManifest,
  type OciStore,
} from '../../lib/oci/index.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { Fixture, ok } from './support.js';

const sha256 = (s: string | Uint8Array): string => createHash('sha256').update(s).digest('hex');
const LONG = `${'n'.repeat(90)}.txt`;
const files = {
  'app.txt': 'hello app\n',
  'docs/guide.md': '# guide\n',
  [LONG]: 'a long name\n',
  'team.ops/tool.sh': 'echo tool\n',
};

let registry: TestRegistry;
const fx = new Fixture();

beforeAll(async () => {
  registry = await startRegistry();
  await fx.bootstrap('team.ops');
  await fx.event(files);
});
afterAll(async () => {
  await registry?.stop();
  fx.cleanup();
});

async function manifest(store: OciStore, ref: string): Promise<ImageManifest & ImageIndex> {
  const { bytes } = await store.getManifest(ref);
  return parseManifest(bytes, { operation: 'test' }) as ImageManifest & ImageIndex;
}

const names = (list: { annotations?: Record<string, string> }[]): string[] =>
  list.map((l) => l.annotations?.[TUF_FILENAME_ANNOTATION] ?? '?');

describe('publish to a registry in the TUF-on-OCI layout', () => {
  it('publishes, then verifies as a TUF client from the registry', async () => {
    const to = `oci://${registry.host}/acme/tuf`;
    const pub = ok('publish', await fx.tufci('publish', '--to', to));
    expect(pub.out).toMatch(/Published to oci:\/\/.*: \d+ written, 0 unchanged/);

    const v = ok(
      'verify',
      await fx.tufci(
        'verify',
        '--from',
        to,
        '--root',
        fx.root1,
        '--target',
        'docs/guide.md',
        '--out',
        join(fx.w.root, 'guide.out'),
      ),
    );
    expect(v.out).toContain('Repository verified');
    expect(readFileSync(join(fx.w.root, 'guide.out'), 'utf8')).toBe(files['docs/guide.md']);
    const again = ok('republish', await fx.tufci('publish', '--to', to));
    expect(again.out).toMatch(/0 written, \d+ unchanged/);
  });

  it('follows the go-tuf-mirror conventions', async () => {
    const client = new RegistryClient(registry.host);
    const meta = client.repository('acme/tuf');
    const targets = client.repository('acme/tuf/targets');
    const latest = await manifest(meta, 'latest');
    expect(latest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(latest.artifactType).toBe('application/vnd.tuf.metadata+json');
    expect(latest.config).toEqual(EMPTY_JSON.descriptor);
    const tree = fx.tree();
    const roots = tree.entries.filter((e) => e.kind === 'root').map((e) => e.path);
    expect(roots.length).toBeGreaterThanOrEqual(1);
    const snap = tree.roles.get('snapshot')!.signed.version;
    const tv = tree.roles.get('targets')!.signed.version;
    expect(names(latest.layers).sort()).toEqual(
      [...roots, `${tv}.targets.json`, `${snap}.snapshot.json`, 'timestamp.json'].sort(),
    );
    for (const l of latest.layers) {
      expect(l.mediaType).toBe('application/vnd.tuf.metadata+json');
      const entry = tree.entries.find((e) => e.path === l.annotations![TUF_FILENAME_ANNOTATION]);
      expect(l.digest).toBe(`sha256:${entry!.sha256}`);
    }

    // A delegated role with a dot in its name: a manifest tagged by role.
    const rv = tree.roles.get('team.ops')!.signed.version;
    const role = await manifest(meta, 'team.ops');
    expect(names(role.layers)).toEqual([`${rv}.team.ops.json`]);
    expect(await meta.listTags()).toEqual(expect.arrayContaining(['latest', 'team.ops']));

    // Top-level targets: one manifest tagged <sha>.<name>, the raw file as its layer.
    const appSha = sha256(files['app.txt']);
    const app = await manifest(targets, `${appSha}.app.txt`);
    expect(app.artifactType).toBe('application/vnd.tuf.target');
    expect(app.layers).toEqual([
      {
        mediaType: 'application/vnd.tuf.target',
        digest: `sha256:${appSha}`,
        size: files['app.txt'].length,
        annotations: {
          [TUF_FILENAME_ANNOTATION]: `${appSha}.app.txt`,
          'org.opencontainers.image.title': `${appSha}.app.txt`,
        },
      },
    ]);
    expect(Buffer.from(await targets.getBlob(`sha256:${appSha}`)).toString()).toBe(
      files['app.txt'],
    );
    // Files in a directory: one manifest tagged with the first path component, whose
    // layers are the raw files, named by their path (Docker's client reads either this
    // or go-tuf-mirror's index of one-layer images).
    const docs = await manifest(targets, 'docs');
    const guideSha = sha256(files['docs/guide.md']);
    expect(docs.artifactType).toBe('application/vnd.tuf.target');
    expect(names(docs.layers)).toEqual([`docs/${guideSha}.guide.md`]);
    expect(docs.layers[0]!.digest).toBe(`sha256:${guideSha}`);
    // A name too long for a tag gets a valid, hashed one.
    const tags = await targets.listTags();
    expect(tags.every((t) => /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/.test(t))).toBe(true);
    expect(tags.some((t) => t.startsWith(`${sha256(files[LONG]!)}.nnn`))).toBe(true);
    expect(tags).toEqual(expect.arrayContaining(['docs', 'team.ops']));
  });

  it('publishes to an OCI layout directory and verifies from it with no registry', async () => {
    const dir = join(fx.w.root, 'layout');
    ok('publish layout', await fx.tufci('publish', '--to', `oci-layout:${dir}`));
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as ImageIndex;
    const tags = index.manifests.map((m) => m.annotations?.['org.opencontainers.image.ref.name']);
    expect(tags).toEqual(expect.arrayContaining(['latest', 'team.ops']));
    const v = ok(
      'verify layout',
      await fx.tufci(
        'verify',
        '--from',
        `oci-layout:${dir}`,
        '--root',
        fx.root1,
        '--target',
        'team.ops/tool.sh',
        '--cache',
        join(fx.w.root, 'layout-cache'),
      ),
    );
    expect(v.out).toContain(`sha256 ${sha256(files['team.ops/tool.sh'])}`);
  });
});
