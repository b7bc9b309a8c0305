/** Files of an OCI image layout: `oci-layout`, `index.json`, `blobs/<alg>/<hex>`, written atomically. */
import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { streamInside } from '../../util/fs.js';
import { ContentCheckError, ContentVerifier, parseDigest } from '../digest.js';
import { OciError, type OciErrorContext } from '../errors.js';
import { emptyIndex, type ImageIndex } from '../media-types.js';

const LAYOUT_VERSION = '1.0.0';

export function blobPath(dir: string, digest: string): string {
  return join(dir, blobRel(dir, digest));
}

/** `blobs/<alg>/<hex>` of a digest, relative to the layout. */
export function blobRel(dir: string, digest: string): string {
  const parsed = parseDigest(digest);
  if (!parsed) {
    throw new OciError(
      'invalid',
      { operation: 'blob path', registry: `oci-layout ${dir}` },
      `${digest} is not a digest`,
    );
  }
  return `blobs/${parsed.algorithm}/${parsed.hex}`;
}

/** Streams a file to `rel` inside the layout `dir` (temp file + rename, inside the layout only). */
export function streamToLayout<T>(
  dir: string,
  rel: string,
  write: (file: FileHandle) => Promise<T>,
): Promise<T> {
  return streamInside(dir, rel, write, { what: 'OCI layout' });
}

/** Writes `data` to `rel` inside the layout `dir`, so readers never see half a file. */
export function writeLayoutFile(
  dir: string,
  rel: string,
  data: Uint8Array | string,
): Promise<void> {
  return streamToLayout(dir, rel, (f) => f.writeFile(data));
}

/** Creates the layout's skeleton where missing; checks the version where present. */
export async function ensureLayout(dir: string, create: boolean): Promise<void> {
  const context = { operation: 'open', registry: `oci-layout ${dir}` };
  const marker = join(dir, 'oci-layout');
  let text: string | undefined;
  try {
    text = await readFile(marker, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    if (!create) throw new OciError('not-found', context, 'no oci-layout file');
  }
  if (text !== undefined) {
    let version: unknown;
    try {
      version = (JSON.parse(text) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
    } catch {
      throw new OciError('invalid', context, 'oci-layout is not JSON');
    }
    if (typeof version !== 'string' || !version.startsWith('1.')) {
      throw new OciError('invalid', context, `unsupported imageLayoutVersion ${String(version)}`);
    }
  }
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  if (text === undefined) {
    await writeLayoutFile(
      dir,
      'oci-layout',
      JSON.stringify({ imageLayoutVersion: LAYOUT_VERSION }),
    );
  }
  if (!(await exists(join(dir, 'index.json')))) {
    await writeLayoutFile(dir, 'index.json', JSON.stringify(emptyIndex()));
  }
}

export async function readIndex(dir: string): Promise<ImageIndex> {
  const context = { operation: 'read index.json', registry: `oci-layout ${dir}` };
  let index: ImageIndex;
  try {
    index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as ImageIndex;
  } catch (e) {
    throw new OciError('invalid', context, 'index.json is missing or not JSON', { cause: e });
  }
  if (index.schemaVersion !== 2 || !Array.isArray(index.manifests)) {
    throw new OciError('invalid', context, 'index.json is not an OCI index');
  }
  return index;
}

export async function writeIndex(dir: string, index: ImageIndex): Promise<void> {
  await writeLayoutFile(dir, 'index.json', JSON.stringify(index));
}

export async function exists(path: string): Promise<boolean> {
  return (await sizeOf(path)) !== undefined;
}

export async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Streams a file through a verifier, handing each chunk to `sink`. */
export async function verifyFile(
  path: string,
  verifier: ContentVerifier,
  context: OciErrorContext,
  sink?: (chunk: Uint8Array) => Promise<void> | void,
): Promise<void> {
  try {
    for await (const chunk of createReadStream(path)) {
      verifier.update(chunk as Buffer);
      await sink?.(chunk as Buffer);
    }
    verifier.finish();
  } catch (e) {
    if (e instanceof ContentCheckError) throw new OciError(e.kind, context, e.message);
    throw e;
  }
}
