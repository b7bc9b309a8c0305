/** The one interface over registries and OCI image-layout directories. */
import type { Descriptor } from './media-types.js';

export interface BlobReadOptions {
  /** Fail when the blob is larger (defaults per store, see the store's options). */
  maxSize?: number;
  /** The size the descriptor promised; any other size fails. */
  expectedSize?: number;
}

export interface PutBlobOptions {
  /** Media type for the returned descriptor (default `application/octet-stream`). */
  mediaType?: string;
  /** The digest, when the caller already knows it; it is still verified by the store. */
  digest?: string;
  /**
   * A repository on the same registry that already holds the blob: the registry is asked
   * to mount it (`?mount=&from=`) instead of receiving the bytes. Ignored by layouts.
   */
  mountFrom?: string;
  /**
   * The caller knows the store lacks the blob (a new repository): skip the HEAD that
   * would otherwise come first. A retried upload still checks.
   */
  assumeAbsent?: boolean;
}

export interface PushedBlob {
  descriptor: Descriptor;
  /** True when the blob was present before: nothing was uploaded. */
  existed: boolean;
}

export interface ManifestResult {
  /** mediaType, digest and size of the manifest bytes. */
  descriptor: Descriptor;
  bytes: Uint8Array;
  /** The registry's ETag, for a later conditional PUT (`ifMatch`). */
  etag?: string;
}

export interface PutManifestOptions {
  /** Defaults to the `mediaType` field of the manifest JSON. */
  mediaType?: string;
  /** Tag to push under; without one the manifest is pushed by digest. */
  tag?: string;
  /** Only replace the tag if it still has this ETag (registries that support it). */
  ifMatch?: string;
}

export interface ReferrersOptions {
  /** Only referrers with this artifactType. */
  artifactType?: string;
}

export interface OciStore {
  /** Names the store in messages, e.g. `127.0.0.1:5000/tuf` or `oci-layout ./dir`. */
  readonly description: string;
  /** A registry repository's host and name (what a cross-repository mount needs); layouts have none. */
  readonly registryRepository?: { host: string; name: string };

  /** The blob's descriptor (size from the store), or undefined when absent. */
  statBlob(digest: string): Promise<Descriptor | undefined>;
  hasBlob(digest: string): Promise<boolean>;
  /** The blob's bytes, verified against the digest and limits. */
  getBlob(digest: string, options?: BlobReadOptions): Promise<Uint8Array>;
  /** Streams the blob to `path` (atomically, verified); returns its size. */
  getBlobToFile(digest: string, path: string, options?: BlobReadOptions): Promise<number>;
  /** Stores bytes unless already present; returns their descriptor. */
  putBlob(data: Uint8Array, options?: PutBlobOptions): Promise<Descriptor>;
  /** As putBlob, and tells whether the store had the blob already (then nothing was sent). */
  pushBlob(data: Uint8Array, options?: PutBlobOptions): Promise<PushedBlob>;
  /** Stores a file's content, streamed (chunked upload when large). */
  putBlobFile(path: string, options?: PutBlobOptions): Promise<Descriptor>;
  /**
   * Registries: asks to mount `digest` from `repository` on the same host (no bytes sent).
   * True when mounted; false when the registry declined (the caller then uploads).
   */
  mountBlob?(digest: string, repository: string): Promise<boolean>;

  /** A manifest or index by tag or digest; throws OciError `not-found` when absent. */
  getManifest(reference: string, options?: { maxSize?: number }): Promise<ManifestResult>;
  /** A manifest's descriptor by tag or digest, or undefined when absent. */
  headManifest(reference: string): Promise<Descriptor | undefined>;
  /**
   * Stores a manifest (by digest, and under `tag` if given). A manifest with a `subject`
   * also becomes findable through `referrers(subject.digest)`.
   */
  putManifest(bytes: Uint8Array, options?: PutManifestOptions): Promise<Descriptor>;
  /** Every tag, all pages read. `pageSize` sets the `?n=` of each page. */
  listTags(options?: { pageSize?: number }): Promise<string[]>;
  /** Descriptors of the manifests whose `subject` is `digest`, with artifactType and annotations. */
  referrers(digest: string, options?: ReferrersOptions): Promise<Descriptor[]>;
}
