/** Files of an OCI image layout: `oci-layout`, `index.json`, `blobs/<alg>/<hex>`, written atomically. */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ContentCheckError, ContentVerifier, parseDigest } from '../digest.js';
import { OciError, type OciErrorContext } from '../errors.js';
import { emptyIndex, type ImageIndex } from '../media-types.js';

const LAYOUT_VERSION = '1.0.0';

export function blobPath(dir: string, digest: string): string {
  const parsed = parseDigest(digest);
  if (!parsed) {
    throw new OciError(
      'invalid',
      { operation: 'blob path', registry: `oci-layout ${dir}` },
      `${digest} is not a digest`,
    );
  }
  return join(dir, 'blobs', parsed.algorithm, parsed.hex);
}

/** A temp file next to `path`, to be renamed over it. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Writes `data` to `path` through a temp file and a rename, so readers never see half a file. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const temp = tempPathFor(path);
  const file = await open(temp, 'wx');
  try {
    await file.writeFile(data);
    await file.sync();
  } catch (e) {
    await file.close();
    await rm(temp, { force: true });
    throw e;
  }
  await file.close();
  await rename(temp, path);
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
    await writeFileAtomic(marker, JSON.stringify({ imageLayoutVersion: LAYOUT_VERSION }));
  }
  if (!(await exists(join(dir, 'index.json')))) {
    await writeFileAtomic(join(dir, 'index.json'), JSON.stringify(emptyIndex()));
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
  await writeFileAtomic(join(dir, 'index.json'), JSON.stringify(index));
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
