/**
 * An OCI image-layout directory as an OciStore: `oci-layout`, `index.json`,
 * `blobs/sha256/<hex>`; tags are `org.opencontainers.image.ref.name` annotations in
 * index.json. Every write is a temp file + rename. Referrers are found by reading the
 * manifests index.json lists (pushed referrers are listed untagged), plus any fallback
 * tag `sha256-<hex>` a copy from a registry brought along.
 * Writers in one process are serialized; several processes writing one layout are not.
 */
import { basename, dirname } from 'node:path';
import { streamInside } from '../../util/fs.js';
import { ContentVerifier, digestOf, digestOfFile, isDigest } from '../digest.js';
import { OciError, type OciErrorContext } from '../errors.js';
import { findTag, tagsOf, withManifest } from './index-file.js';
import * as files from './files.js';
import { manifestMediaType, parseManifest } from '../manifest.js';
import type { Descriptor } from '../media-types.js';
import { isValidTag, referrersTag } from '../reference.js';
import { filterReferrers, referrerDescriptor } from '../referrers.js';
import type {
  BlobReadOptions,
  ManifestResult,
  OciStore,
  PutBlobOptions,
  PutManifestOptions,
  PushedBlob,
  ReferrersOptions,
} from '../store.js';

export interface LayoutOptions {
  /** Create the layout when the directory has none (default true). */
  create?: boolean;
  maxBlobSize?: number;
  maxManifestSize?: number;
}

const OCTET_STREAM = 'application/octet-stream';

export class OciLayoutStore implements OciStore {
  readonly description: string;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dir: string,
    private readonly limits: { maxBlobSize: number; maxManifestSize: number },
  ) {
    this.description = `oci-layout ${dir}`;
  }

  static async open(dir: string, options: LayoutOptions = {}): Promise<OciLayoutStore> {
    await files.ensureLayout(dir, options.create ?? true);
    return new OciLayoutStore(dir, {
      maxBlobSize: options.maxBlobSize ?? 8 * 1024 * 1024 * 1024,
      maxManifestSize: options.maxManifestSize ?? 4 * 1024 * 1024,
    });
  }

  private context(operation: string, reference?: string): OciErrorContext {
    return { operation, registry: this.description, reference };
  }

  async statBlob(digest: string): Promise<Descriptor | undefined> {
    const size = await files.sizeOf(files.blobPath(this.dir, digest));
    return size === undefined ? undefined : { mediaType: OCTET_STREAM, digest, size };
  }

  async hasBlob(digest: string): Promise<boolean> {
    return (await this.statBlob(digest)) !== undefined;
  }

  async getBlob(digest: string, options: BlobReadOptions = {}): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    await this.readVerified(digest, options, (c) => void parts.push(c));
    return Buffer.concat(parts);
  }

  async getBlobToFile(
    digest: string,
    path: string,
    options: BlobReadOptions = {},
  ): Promise<number> {
    return streamInside(dirname(path), basename(path), (out) =>
      this.readVerified(digest, options, async (c) => void (await out.write(c))),
    );
  }

  private async readVerified(
    digest: string,
    options: BlobReadOptions,
    sink: (c: Uint8Array) => Promise<void> | void,
  ) {
    const context = this.context('read blob', digest);
    const path = files.blobPath(this.dir, digest);
    if (!(await files.exists(path))) throw new OciError('not-found', context, 'blob unknown');
    const verifier = new ContentVerifier(digest, {
      ...options,
      maxSize: options.maxSize ?? this.limits.maxBlobSize,
    });
    await files.verifyFile(path, verifier, context, sink);
    return verifier.size;
  }

  async putBlob(data: Uint8Array, options: PutBlobOptions = {}): Promise<Descriptor> {
    return (await this.pushBlob(data, options)).descriptor;
  }

  async pushBlob(data: Uint8Array, options: PutBlobOptions = {}): Promise<PushedBlob> {
    const digest = digestOf(data);
    this.checkGiven(digest, options.digest);
    const rel = files.blobRel(this.dir, digest);
    const existed = await files.exists(files.blobPath(this.dir, digest));
    if (!existed) await files.writeLayoutFile(this.dir, rel, data);
    const descriptor = { mediaType: options.mediaType ?? OCTET_STREAM, digest, size: data.length };
    return { descriptor, existed };
  }

  async putBlobFile(source: string, options: PutBlobOptions = {}): Promise<Descriptor> {
    const { digest, size } = await digestOfFile(source);
    this.checkGiven(digest, options.digest);
    if (!(await files.exists(files.blobPath(this.dir, digest)))) {
      // Copy while verifying, so a file changed since hashing cannot land under the digest.
      const verifier = new ContentVerifier(digest, { maxSize: size, expectedSize: size });
      await files.streamToLayout(this.dir, files.blobRel(this.dir, digest), (out) =>
        files.verifyFile(
          source,
          verifier,
          this.context('store blob', digest),
          async (c) => void (await out.write(c)),
        ),
      );
    }
    return { mediaType: options.mediaType ?? OCTET_STREAM, digest, size };
  }

  private checkGiven(computed: string, given: string | undefined): void {
    if (given && given !== computed) {
      throw new OciError(
        'digest-mismatch',
        this.context('store blob', given),
        `content is ${computed}`,
      );
    }
  }

  async getManifest(
    reference: string,
    options: { maxSize?: number } = {},
  ): Promise<ManifestResult> {
    const context = this.context('read manifest', reference);
    const index = await files.readIndex(this.dir);
    const entry = isDigest(reference)
      ? index.manifests.find((d) => d.digest === reference)
      : findTag(index, reference);
    if (!entry && !isDigest(reference)) throw new OciError('not-found', context, 'tag unknown');
    const digest = entry?.digest ?? reference;
    const maxSize = options.maxSize ?? this.limits.maxManifestSize;
    const bytes = await this.getBlob(digest, { maxSize, expectedSize: entry?.size }).catch(
      (e: unknown) => {
        throw e instanceof OciError ? new OciError(e.kind, context, e.message) : e;
      },
    );
    const mediaType = entry?.mediaType ?? manifestMediaType(parseManifest(bytes, context));
    return { descriptor: { mediaType, digest, size: bytes.length }, bytes, etag: `"${digest}"` };
  }

  async headManifest(reference: string): Promise<Descriptor | undefined> {
    try {
      return (await this.getManifest(reference)).descriptor;
    } catch (e) {
      if (e instanceof OciError && e.kind === 'not-found') return undefined;
      throw e;
    }
  }

  async putManifest(bytes: Uint8Array, options: PutManifestOptions = {}): Promise<Descriptor> {
    const context = this.context('write manifest', options.tag);
    if (options.tag !== undefined && !isValidTag(options.tag))
      throw new OciError('invalid', context, 'not a valid tag');
    const manifest = parseManifest(bytes, context);
    const stored = await this.putBlob(bytes);
    const descriptor: Descriptor = {
      ...stored,
      mediaType: options.mediaType ?? manifestMediaType(manifest),
    };
    if (manifest.artifactType) descriptor.artifactType = manifest.artifactType;
    await this.updateIndex(async () => {
      const index = await files.readIndex(this.dir);
      if (options.ifMatch && options.tag !== undefined) {
        const current = findTag(index, options.tag);
        if (!current || `"${current.digest}"` !== options.ifMatch) {
          throw new OciError('precondition-failed', context, 'the tag changed since it was read');
        }
      }
      const updated = withManifest(index, descriptor, options.tag);
      if (updated) await files.writeIndex(this.dir, updated);
    });
    return { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size };
  }

  async listTags(): Promise<string[]> {
    return tagsOf(await files.readIndex(this.dir));
  }

  async referrers(digest: string, options: ReferrersOptions = {}): Promise<Descriptor[]> {
    const context = this.context('find referrers', digest);
    const index = await files.readIndex(this.dir);
    const found: Descriptor[] = [];
    const fallback = findTag(index, referrersTag(digest));
    for (const entry of new Map(index.manifests.map((d) => [d.digest, d])).values()) {
      if (entry === fallback || !(await this.hasBlob(entry.digest))) continue;
      const { bytes, descriptor } = await this.getManifest(entry.digest);
      const manifest = parseManifest(bytes, context);
      if (manifest.subject?.digest === digest) found.push(referrerDescriptor(manifest, descriptor));
    }
    if (fallback) {
      const listed = parseManifest((await this.getManifest(fallback.digest)).bytes, context);
      if ('manifests' in listed && Array.isArray(listed.manifests)) found.push(...listed.manifests);
    }
    return filterReferrers(found, options.artifactType);
  }

  /** Runs index.json read-modify-write steps one at a time. */
  private updateIndex(step: () => Promise<void>): Promise<void> {
    const run = this.queue.then(step, step);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
