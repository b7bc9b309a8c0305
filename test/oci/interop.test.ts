/** What we write, skopeo and oras read; what oras writes, we read. Registry and layout dirs. */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MEDIA_TYPE,
  OciLayoutStore,
  RegistryClient,
  TITLE_ANNOTATION,
  digestOf,
  encodeJson,
  parseManifest,
  type ImageManifest,
  type OciStore,
} from '../../lib/oci/index.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { pushArtifact, randomData } from './support.js';

const ORAS = '/opt/oras/usr/bin/oras';
const SKOPEO = '/usr/bin/skopeo';

let registry: TestRegistry;
let work: string;

beforeAll(async () => {
  registry = await startRegistry();
  work = await mkdtemp(join(tmpdir(), 'tufci-oci-interop-'));
});
afterAll(async () => {
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
});

async function run(cmd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(cmd, args, {
      cwd: work,
      env: { ...process.env, HOME: work, DOCKER_CONFIG: join(work, '.docker') },
      maxBuffer: 16 << 20,
    });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${err.stderr ?? err.message}`);
  }
}

/** A minimal runnable-shaped image: one empty tar layer and a real image config. */
async function pushImage(store: OciStore, tag: string) {
  const tar = new Uint8Array(1024);
  const layer = await store.putBlob(gzipSync(tar), {
    mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
  });
  const config = await store.putBlob(
    encodeJson({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: [digestOf(tar)] },
    }),
    { mediaType: MEDIA_TYPE.imageConfig },
  );
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.imageManifest,
    config,
    layers: [layer],
  };
  const bytes = encodeJson(manifest);
  return { descriptor: await store.putManifest(bytes, { tag }), bytes, layer };
}

describe('registry interop', () => {
  it('skopeo inspects an image we pushed', async () => {
    const repo = new RegistryClient(registry.host).repository('interop/image');
    const image = await pushImage(repo, 'v1');
    const ref = `docker://${registry.host}/interop/image:v1`;
    const info = JSON.parse(await run(SKOPEO, ['inspect', '--tls-verify=false', ref])) as Record<
      string,
      unknown
    >;
    expect(info.Digest).toBe(image.descriptor.digest);
    expect(info.Architecture).toBe('amd64');
    expect(info.Os).toBe('linux');
    expect(info.Layers).toEqual([image.layer.digest]);
    const raw = await run(SKOPEO, ['inspect', '--raw', '--tls-verify=false', ref]);
    expect(raw).toBe(Buffer.from(image.bytes).toString());
  });

  it('oras pulls an artifact we pushed', async () => {
    const repo = new RegistryClient(registry.host).repository('interop/ours');
    const files = [
      { name: 'root.json', data: randomData(300) },
      { name: 'targets.json', data: randomData(5000) },
    ];
    await pushArtifact(repo, { files, tag: 'v1' });
    const out = join(work, 'oras-pulled');
    await run(ORAS, ['pull', '--plain-http', '-o', out, `${registry.host}/interop/ours:v1`]);
    for (const f of files)
      expect(digestOf(await readFile(join(out, f.name)))).toBe(digestOf(f.data));
  });

  it('reads an artifact oras pushed, and shares its referrers with oras', async () => {
    await writeFile(join(work, 'hello.txt'), 'hello from oras\n');
    const ref = `${registry.host}/interop/theirs:v1`;
    await run(ORAS, [
      'push',
      '--plain-http',
      '--artifact-type',
      'application/vnd.test',
      ref,
      'hello.txt:text/plain',
    ]);
    const repo = new RegistryClient(registry.host).repository('interop/theirs');
    const got = await repo.getManifest('v1');
    const manifest = parseManifest(got.bytes, { operation: 'test' }) as ImageManifest;
    expect(manifest.artifactType).toBe('application/vnd.test');
    const layer = manifest.layers[0]!;
    expect(layer.annotations?.[TITLE_ANNOTATION]).toBe('hello.txt');
    expect(Buffer.from(await repo.getBlob(layer.digest)).toString()).toBe('hello from oras\n');

    // Our referrer and oras' referrer end up in one fallback tag, each once.
    const ours = await pushArtifact(repo, {
      artifactType: 'application/vnd.tufci.pointer',
      subject: got.descriptor,
    });
    await run(ORAS, [
      'attach',
      '--plain-http',
      '--artifact-type',
      'application/vnd.oras.sig',
      ref,
      'hello.txt',
    ]);
    await pushArtifact(repo, {
      artifactType: 'application/vnd.tufci.pointer',
      subject: got.descriptor,
    });
    const discovered = JSON.parse(
      await run(ORAS, ['discover', '--plain-http', '--format', 'json', ref]),
    ) as {
      manifests: { digest: string; artifactType: string }[];
    };
    const mine = await repo.referrers(got.descriptor.digest);
    expect(mine.map((d) => d.artifactType).sort()).toEqual([
      'application/vnd.oras.sig',
      'application/vnd.tufci.pointer',
    ]);
    expect(discovered.manifests.map((d) => d.digest).sort()).toEqual(
      mine.map((d) => d.digest).sort(),
    );
    expect(mine.find((d) => d.artifactType === 'application/vnd.tufci.pointer')?.digest).toBe(
      ours.descriptor.digest,
    );
  });

  it('reads what skopeo copied into an OCI layout from the registry', async () => {
    const repo = new RegistryClient(registry.host).repository('interop/copy');
    const pushed = await pushArtifact(repo, {
      files: [{ name: 'a', data: randomData(100) }],
      tag: 'v1',
    });
    const dir = join(work, 'skopeo-layout');
    await run(SKOPEO, [
      'copy',
      '--src-tls-verify=false',
      `docker://${registry.host}/interop/copy:v1`,
      `oci:${dir}:v1`,
    ]);
    const layout = await OciLayoutStore.open(dir, { create: false });
    const got = await layout.getManifest('v1');
    expect(got.descriptor.digest).toBe(pushed.descriptor.digest);
    const manifest = parseManifest(got.bytes, { operation: 'test' }) as ImageManifest;
    expect(Buffer.from(await layout.getBlob(manifest.layers[0]!.digest)).length).toBe(100);
  });
});

describe('layout interop', () => {
  it('oras and skopeo read a layout we wrote; oras attaches to it and we see the referrer', async () => {
    const dir = join(work, 'our-layout');
    const store = await OciLayoutStore.open(dir);
    const files = [{ name: 'timestamp.json', data: randomData(200) }];
    const pushed = await pushArtifact(store, { files, tag: 'v1' });
    const out = join(work, 'oras-layout-pulled');
    await run(ORAS, ['pull', '--oci-layout', '-o', out, `${dir}:v1`]);
    expect(Buffer.from(await readFile(join(out, 'timestamp.json')))).toEqual(
      Buffer.from(files[0]!.data),
    );
    expect(await run(SKOPEO, ['inspect', '--raw', `oci:${dir}:v1`])).toBe(
      Buffer.from(pushed.bytes).toString(),
    );

    await writeFile(join(work, 'sig.txt'), 'sig');
    await run(ORAS, [
      'attach',
      '--oci-layout',
      '--artifact-type',
      'application/vnd.oras.sig',
      `${dir}:v1`,
      'sig.txt',
    ]);
    const refs = await store.referrers(pushed.descriptor.digest);
    expect(refs.map((d) => d.artifactType)).toEqual(['application/vnd.oras.sig']);

    const ours = await pushArtifact(store, {
      artifactType: 'application/vnd.tufci.pointer',
      subject: pushed.descriptor,
    });
    const discovered = JSON.parse(
      await run(ORAS, ['discover', '--oci-layout', '--format', 'json', `${dir}:v1`]),
    ) as {
      manifests: { digest: string }[];
    };
    expect(discovered.manifests.map((d) => d.digest)).toContain(ours.descriptor.digest);
  });

  it('reads a layout oras wrote', async () => {
    await mkdir(join(work, 'src'), { recursive: true });
    await writeFile(join(work, 'src', 'f.txt'), 'layout content');
    const dir = join(work, 'oras-layout');
    await run(ORAS, ['push', '--oci-layout', `${dir}:v2`, 'src/f.txt:text/plain']);
    const store = await OciLayoutStore.open(dir, { create: false });
    expect(await store.listTags()).toEqual(['v2']);
    const manifest = parseManifest((await store.getManifest('v2')).bytes, {
      operation: 'test',
    }) as ImageManifest;
    expect(manifest.layers[0]!.annotations?.[TITLE_ANNOTATION]).toBe('src/f.txt');
    expect(Buffer.from(await store.getBlob(manifest.layers[0]!.digest)).toString()).toBe(
      'layout content',
    );
  });
});
