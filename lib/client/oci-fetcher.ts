/**
 * A tuf-js fetcher over a TUF-on-OCI repository (a registry or an image-layout
 * directory), read through `TufOciRepo`: top-level metadata from the layers of the
 * `latest` manifest (read once, so one update never mixes two publishes), delegated
 * metadata from the manifest tagged by role, target files as raw blobs by the sha256
 * in their name.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BaseFetcher } from 'tuf-js';
import { DownloadHTTPError, DownloadLengthMismatchError } from 'tuf-js/dist/error.js';
import { NotVerifiedError } from '../errors.js';
import {
  OciError,
  TufOciRepo,
  type Descriptor,
  type OciStore,
  type TufOciStores,
} from '../oci/index.js';

/** Base URLs to give tuf-js's Updater with this fetcher. */
export const OCI_METADATA_URL = 'oci:/metadata/';
export const OCI_TARGETS_URL = 'oci:/targets/';

/** The stores of a repository, or a reader already open on them (shared with its caller). */
export type OciSource = TufOciStores | TufOciRepo;

const FETCH_LIMIT = 1 << 30;

export class OciFetcher extends BaseFetcher {
  readonly repo: TufOciRepo;

  constructor(source: OciSource) {
    super();
    this.repo = source instanceof TufOciRepo ? source : new TufOciRepo(source);
  }

  override async downloadFile<T>(
    url: string,
    maxLength: number,
    handler: (file: string) => Promise<T>,
  ): Promise<T> {
    const { store, descriptor, name } = await this.locate(url, maxLength);
    const dir = await mkdtemp(join(tmpdir(), 'tufci-oci-fetch-'));
    try {
      const file = join(dir, 'download');
      await store
        .getBlobToFile(descriptor.digest, file, this.limits(descriptor, maxLength))
        .catch((e: unknown) => rethrow(e, name, descriptor.size >= 0));
      return await handler(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  override async downloadBytes(url: string, maxLength: number): Promise<Buffer> {
    const { store, descriptor, name } = await this.locate(url, maxLength);
    const bytes = await store
      .getBlob(descriptor.digest, this.limits(descriptor, maxLength))
      .catch((e: unknown) => rethrow(e, name, descriptor.size >= 0));
    return Buffer.from(bytes);
  }

  override async fetch(url: string): Promise<ReadableStream<Uint8Array<ArrayBuffer>>> {
    const bytes = new Uint8Array(await this.downloadBytes(url, FETCH_LIMIT));
    return new ReadableStream({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    });
  }

  private limits(d: Descriptor, maxLength: number): { maxSize: number; expectedSize?: number } {
    return d.size >= 0 ? { maxSize: maxLength, expectedSize: d.size } : { maxSize: maxLength };
  }

  /** The store and blob behind a URL tuf-js asks for. */
  private async locate(
    url: string,
    maxLength: number,
  ): Promise<{ store: OciStore; descriptor: Descriptor; name: string }> {
    const path = new URL(url).pathname;
    if (path.startsWith('/metadata/')) {
      const name = decodeURIComponent(path.slice('/metadata/'.length));
      const descriptor = await this.repo
        .metadataFile(name)
        .catch((e: unknown) => rethrow(e, name, false));
      if (!descriptor) throw new DownloadHTTPError(`${name}: not published`, 404);
      if (descriptor.size > maxLength)
        throw new DownloadLengthMismatchError(
          `${name}: ${descriptor.size} bytes, more than the ${maxLength} allowed`,
        );
      return { store: this.repo.metadata, descriptor, name };
    }
    if (path.startsWith('/targets/')) {
      const name = decodeURIComponent(path.slice('/targets/'.length));
      const descriptor = this.repo.targetBlob(name);
      if (!descriptor || !this.repo.targets)
        throw new DownloadHTTPError(`target ${name}: not published`, 404);
      return { store: this.repo.targets, descriptor, name: `target ${name}` };
    }
    throw new DownloadHTTPError(`${url}: not a TUF-on-OCI location`, 404);
  }
}

/**
 * Store errors as tuf-js expects them: missing is HTTP 404, too large a length mismatch.
 * Bytes that differ from their descriptor (digest, or the size a manifest promised)
 * were tampered with.
 */
function rethrow(e: unknown, name: string, sizeFromManifest: boolean): never {
  if (e instanceof OciError && e.kind === 'timeout')
    throw new NotVerifiedError(`${name}: slow retrieval: ${e.message}; refused`, { cause: e });
  if (e instanceof OciError && e.kind === 'not-found')
    throw new DownloadHTTPError(`${name}: not published`, 404);
  if (e instanceof OciError && e.kind === 'too-large' && sizeFromManifest)
    throw new NotVerifiedError(`${name}: larger than its manifest says (tampered): ${e.message}`, {
      cause: e,
    });
  if (e instanceof OciError && e.kind === 'too-large')
    throw new DownloadLengthMismatchError(`${name}: ${e.message}`);
  if (e instanceof OciError && e.kind === 'digest-mismatch')
    throw new NotVerifiedError(
      `${name}: a blob does not match its digest (tampered): ${e.message}`,
      {
        cause: e,
      },
    );
  throw e;
}
