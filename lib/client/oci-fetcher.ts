/**
 * A tuf-js fetcher that reads a TUF-on-OCI repository (a registry or an image-layout
 * directory): top-level metadata from the layers of the `latest` manifest (read once,
 * so one update never mixes two publishes), delegated metadata from the manifest
 * tagged by role, and target files as raw blobs by the sha256 in their name.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BaseFetcher } from 'tuf-js';
import { DownloadHTTPError, DownloadLengthMismatchError } from 'tuf-js/dist/error.js';
import { NotVerifiedError } from '../errors.js';
import {
  METADATA_TAG,
  OciError,
  TOP_LEVEL_ROLES,
  findNamed,
  parseManifest,
  parseMetadataFileName,
  roleTag,
  type Descriptor,
  type OciStore,
} from '../oci/index.js';

/** Base URLs to give tuf-js's Updater with this fetcher. */
export const OCI_METADATA_URL = 'oci:/metadata/';
export const OCI_TARGETS_URL = 'oci:/targets/';

export interface OciSource {
  metadata: OciStore;
  /** Absent when the repository has no targets store. */
  targets?: OciStore;
}

const FETCH_LIMIT = 1 << 30;

export class OciFetcher extends BaseFetcher {
  private latest?: Promise<Descriptor[] | undefined>;
  private readonly roles = new Map<string, Promise<Descriptor[] | undefined>>();

  constructor(private readonly source: OciSource) {
    super();
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
      const parsed = parseMetadataFileName(name);
      const layers = !parsed
        ? undefined
        : TOP_LEVEL_ROLES.includes(parsed.role)
          ? await this.latestLayers()
          : await this.roleLayers(parsed.role);
      const descriptor = layers && findNamed(layers, name);
      if (!descriptor) throw new DownloadHTTPError(`${name}: not published`, 404);
      if (descriptor.size > maxLength)
        throw new DownloadLengthMismatchError(
          `${name}: ${descriptor.size} bytes, more than the ${maxLength} allowed`,
        );
      return { store: this.source.metadata, descriptor, name };
    }
    if (path.startsWith('/targets/')) {
      const name = decodeURIComponent(path.slice('/targets/'.length));
      const hex = /^([0-9a-f]{64})\./.exec(name.slice(name.lastIndexOf('/') + 1))?.[1];
      if (!hex || !this.source.targets)
        throw new DownloadHTTPError(`target ${name}: not published`, 404);
      return {
        store: this.source.targets,
        descriptor: { mediaType: 'application/octet-stream', digest: `sha256:${hex}`, size: -1 },
        name: `target ${name}`,
      };
    }
    throw new DownloadHTTPError(`${url}: not a TUF-on-OCI location`, 404);
  }

  private latestLayers(): Promise<Descriptor[] | undefined> {
    this.latest ??= this.layersOf(METADATA_TAG);
    return this.latest;
  }

  private roleLayers(role: string): Promise<Descriptor[] | undefined> {
    let p = this.roles.get(role);
    if (!p) {
      p = this.layersOf(roleTag(role));
      this.roles.set(role, p);
    }
    return p;
  }

  private async layersOf(tag: string): Promise<Descriptor[] | undefined> {
    try {
      const { bytes } = await this.source.metadata.getManifest(tag);
      const manifest = parseManifest(bytes, { operation: 'read TUF metadata manifest' });
      return 'layers' in manifest && Array.isArray(manifest.layers) ? manifest.layers : [];
    } catch (e) {
      if (e instanceof OciError && e.kind === 'not-found') return undefined;
      throw e;
    }
  }
}

/**
 * Store errors as tuf-js expects them: missing is HTTP 404, too large a length mismatch.
 * Bytes that differ from their descriptor (digest, or the size a manifest promised)
 * were tampered with.
 */
function rethrow(e: unknown, name: string, sizeFromManifest: boolean): never {
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
