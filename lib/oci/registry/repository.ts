/** One repository on a registry, as an OciStore. */
import { bytesSource, fileSource } from '../blob-source.js';
import { digestOf, digestOfFile, isDigest } from '../digest.js';
import { OciError } from '../errors.js';
import { manifestMediaType, parseManifest } from '../manifest.js';
import type { Descriptor } from '../media-types.js';
import { getBlob, getBlobToFile, statBlob } from './blobs.js';
import type { RepoHandle } from './handle.js';
import * as manifests from './manifests.js';
import { addToFallbackTag, referrersFromApi, referrersFromFallbackTag } from './referrers.js';
import { referrerDescriptor } from '../referrers.js';
import type {
  BlobReadOptions,
  ManifestResult,
  OciStore,
  PutBlobOptions,
  PutManifestOptions,
  PushedBlob,
  ReferrersOptions,
} from '../store.js';
import { mountBlob, uploadBlob } from './upload.js';

const OCTET_STREAM = 'application/octet-stream';

export class RegistryRepository implements OciStore {
  readonly description: string;
  readonly registryRepository: { host: string; name: string };
  /** Whether the registry answered the referrers API; undefined until asked. */
  private referrersApi?: boolean;

  constructor(readonly handle: RepoHandle) {
    this.description = `${handle.registry}/${handle.name}`;
    this.registryRepository = { host: handle.registry, name: handle.name };
  }

  statBlob(digest: string): Promise<Descriptor | undefined> {
    return statBlob(this.handle, digest);
  }

  async hasBlob(digest: string): Promise<boolean> {
    return (await statBlob(this.handle, digest)) !== undefined;
  }

  getBlob(digest: string, options?: BlobReadOptions): Promise<Uint8Array> {
    return getBlob(this.handle, digest, options);
  }

  getBlobToFile(digest: string, path: string, options?: BlobReadOptions): Promise<number> {
    return getBlobToFile(this.handle, digest, path, options);
  }

  async putBlob(data: Uint8Array, options: PutBlobOptions = {}): Promise<Descriptor> {
    return (await this.pushBlob(data, options)).descriptor;
  }

  async pushBlob(data: Uint8Array, options: PutBlobOptions = {}): Promise<PushedBlob> {
    const digest = this.checkedDigest(digestOf(data), options.digest);
    const sent = await uploadBlob(
      this.handle,
      bytesSource(data),
      digest,
      options.mountFrom,
      options.assumeAbsent,
    );
    const descriptor = { mediaType: options.mediaType ?? OCTET_STREAM, digest, size: data.length };
    return { descriptor, existed: !sent };
  }

  mountBlob(digest: string, repository: string): Promise<boolean> {
    if (!isDigest(digest))
      throw new OciError('invalid', this.handle.context('mount blob', digest), 'not a digest');
    return mountBlob(this.handle, digest, repository);
  }

  async putBlobFile(path: string, options: PutBlobOptions = {}): Promise<Descriptor> {
    // A digest the caller gives is not computed again here: the registry checks the bytes
    // against it when the upload completes (DIGEST_INVALID otherwise), so the file is read
    // once. Without one, it is hashed first.
    const given = options.digest;
    if (given !== undefined && !isDigest(given))
      throw new OciError('invalid', this.handle.context('upload blob', given), 'not a digest');
    const computed = given === undefined ? await digestOfFile(path) : undefined;
    const digest = computed ? this.checkedDigest(computed.digest, given) : given!;
    const source = await fileSource(path);
    try {
      if (computed && source.size !== computed.size) {
        throw new OciError(
          'invalid',
          this.handle.context('upload blob', digest),
          `${path} changed while read`,
        );
      }
      await uploadBlob(this.handle, source, digest, options.mountFrom, options.assumeAbsent);
    } finally {
      await source.close();
    }
    return { mediaType: options.mediaType ?? OCTET_STREAM, digest, size: source.size };
  }

  getManifest(reference: string, options: { maxSize?: number } = {}): Promise<ManifestResult> {
    return manifests.getManifest(this.handle, reference, options.maxSize);
  }

  headManifest(reference: string): Promise<Descriptor | undefined> {
    return manifests.headManifest(this.handle, reference);
  }

  async putManifest(bytes: Uint8Array, options: PutManifestOptions = {}): Promise<Descriptor> {
    const context = this.handle.context('PUT manifest', options.tag);
    const manifest = parseManifest(bytes, context);
    const mediaType = options.mediaType ?? manifestMediaType(manifest);
    const reference = options.tag ?? digestOf(bytes);
    const { descriptor, subjectProcessed } = await manifests.putManifest(
      this.handle,
      bytes,
      mediaType,
      reference,
      options.ifMatch,
    );
    if (manifest.subject && isDigest(manifest.subject.digest)) {
      if (subjectProcessed) {
        this.referrersApi = true;
      } else {
        await addToFallbackTag(
          this.handle,
          manifest.subject.digest,
          referrerDescriptor(manifest, descriptor),
        );
      }
    }
    return descriptor;
  }

  listTags(options: { pageSize?: number } = {}): Promise<string[]> {
    return manifests.listTags(this.handle, options.pageSize);
  }

  async referrers(digest: string, options: ReferrersOptions = {}): Promise<Descriptor[]> {
    if (!isDigest(digest)) {
      throw new OciError('invalid', this.handle.context('GET referrers', digest), 'not a digest');
    }
    if (this.referrersApi !== false) {
      const list = await referrersFromApi(this.handle, digest, options.artifactType);
      this.referrersApi = list !== undefined;
      if (list) return list;
    }
    return referrersFromFallbackTag(this.handle, digest, options.artifactType);
  }

  private checkedDigest(computed: string, given: string | undefined): string {
    if (given && given !== computed) {
      throw new OciError(
        'digest-mismatch',
        this.handle.context('upload blob', given),
        `content is ${computed}`,
      );
    }
    return computed;
  }
}
