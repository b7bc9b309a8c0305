/**
 * Copies a graph of OCI content from one store to another, digests unchanged: a
 * manifest or index, everything it names (config, layers, child manifests, recursively),
 * and optionally the referrers of what it copies. Children are stored before their
 * parents, so a manifest present at the destination has all its children there too:
 * the copy stops at it. Blobs already present are skipped (one HEAD); between two
 * repositories of one registry they are mounted instead of sent.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digestOf } from './digest.js';
import { OciError } from './errors.js';
import { parseManifest } from './manifest.js';
import { MANIFEST_MEDIA_TYPES, type Descriptor, type Manifest } from './media-types.js';
import { Shared, runPool } from './pool.js';
import type { ManifestResult, OciStore } from './store.js';

/** A referrer about to be copied, and what to store instead. */
export interface ReferrerRewrite {
  /** As the source lists it. */
  descriptor: Descriptor;
  manifest: Manifest;
  bytes: Uint8Array;
}

export interface CopyGraphOptions {
  /** Tag the copied manifest with this tag at the destination. */
  tag?: string;
  /** Copy the referrers of each manifest copied (and of the one named), recursively. */
  referrers?: boolean;
  /**
   * Sees each referrer manifest before it is copied. Return bytes to store instead (a
   * rewritten manifest; its subject must stay the same), `null` to leave it out, or
   * undefined to copy it as it is.
   */
  rewriteReferrer?: (
    referrer: ReferrerRewrite,
  ) => Uint8Array | null | undefined | Promise<Uint8Array | null | undefined>;
  /** Blobs and manifests in flight at once, per manifest (default 4). */
  concurrency?: number;
  /** Blobs up to this size are copied through memory, larger ones through a temp file. */
  memoryLimit?: number;
  /** Report collected over several copies (e.g. a mirror); a fresh one by default. */
  report?: CopyReport;
  /**
   * Shared by copies that run at once into the same destination (e.g. a mirror), so
   * each blob and manifest is sent once. A registry rewrites a blob's link file on
   * every upload, and a manifest naming that blob, sent meanwhile, can be refused.
   */
  session?: CopySession;
  /**
   * The destination is new (e.g. a repository without tags): send without asking it
   * first what it has. Whatever it had is sent again, which is harmless.
   */
  assumeAbsent?: boolean;
}

/** What concurrent copies share: one job per (destination, digest). */
export class CopySession {
  readonly blobs = new Shared<void>();
  readonly manifests = new Shared<boolean>();
  /** Manifests read from a source already (by `source description\ndigest`), read once. */
  private readonly read = new Map<string, ManifestResult>();
  /** Blobs read from a source already (small ones: metadata a verification read). */
  private readonly readBlobs = new Map<string, Uint8Array>();

  /** Records that `to` has the blob `digest` (e.g. its published metadata lists it): not asked for. */
  assumePresent(to: OciStore, digest: string): void {
    void this.blobs.run(`${to.description}\n${digest}`, () => Promise.resolve());
  }

  /** Hands a manifest read from `from` (e.g. by tag) to the copy that will read it by digest. */
  remember(from: OciStore, result: ManifestResult): void {
    this.read.set(`${from.description}\n${result.descriptor.digest}`, result);
  }

  /** Hands blob bytes read from `from` (and checked against `digest`) to the copy that sends them. */
  rememberBlob(from: OciStore, digest: string, bytes: Uint8Array): void {
    this.readBlobs.set(`${from.description}\n${digest}`, bytes);
  }

  /** A remembered blob, once. */
  takeBlob(from: OciStore, digest: string): Uint8Array | undefined {
    const key = `${from.description}\n${digest}`;
    const got = this.readBlobs.get(key);
    this.readBlobs.delete(key);
    return got;
  }

  /** A remembered manifest, once. */
  take(from: OciStore, digest: string): ManifestResult | undefined {
    const key = `${from.description}\n${digest}`;
    const got = this.read.get(key);
    this.read.delete(key);
    return got;
  }
}

/** Registry codes for a child it has but could not read at that moment (see CopySession). */
const CHILD_RACE_CODES = new Set(['MANIFEST_BLOB_UNKNOWN', 'DIGEST_INVALID', 'BLOB_UNKNOWN']);
const CHILD_RACE_RETRIES = 3;

export interface CopyReport {
  /** Manifests (and indexes) stored at the destination. */
  manifestsCopied: number;
  /** Manifests found at the destination already (their graph was not walked). */
  manifestsPresent: number;
  blobsCopied: number;
  blobsMounted: number;
  blobsPresent: number;
  /** Bytes of the blobs sent. */
  bytesCopied: number;
  referrersCopied: number;
  /** Referrers the rewrite hook left out. */
  referrersDropped: number;
}

export function emptyCopyReport(): CopyReport {
  return {
    manifestsCopied: 0,
    manifestsPresent: 0,
    blobsCopied: 0,
    blobsMounted: 0,
    blobsPresent: 0,
    bytesCopied: 0,
    referrersCopied: 0,
    referrersDropped: 0,
  };
}

/** Copies `descriptor`'s graph from `from` to `to`; returns what was done. */
export async function copyGraph(
  from: OciStore,
  to: OciStore,
  descriptor: Descriptor,
  options: CopyGraphOptions = {},
): Promise<CopyReport> {
  const copier = new GraphCopier(from, to, options);
  await copier.root(descriptor);
  return copier.report;
}

/** Copies one blob (skipped when present, mounted on one registry); returns what was done. */
export async function copyBlob(
  from: OciStore,
  to: OciStore,
  descriptor: Descriptor,
  options: Pick<CopyGraphOptions, 'memoryLimit' | 'report' | 'session' | 'assumeAbsent'> = {},
): Promise<CopyReport> {
  const copier = new GraphCopier(from, to, options);
  await copier.blob(descriptor);
  return copier.report;
}

const isManifestType = (mediaType: string): boolean => MANIFEST_MEDIA_TYPES.includes(mediaType);

class GraphCopier {
  readonly report: CopyReport;
  private readonly session: CopySession;
  private readonly limit: number;
  private readonly memoryLimit: number;
  /** The source repository to mount from, when both stores are on one registry. */
  private readonly mountFrom?: string;

  constructor(
    private readonly from: OciStore,
    private readonly to: OciStore,
    private readonly options: CopyGraphOptions,
  ) {
    this.report = options.report ?? emptyCopyReport();
    this.session = options.session ?? new CopySession();
    this.limit = options.concurrency ?? 4;
    this.memoryLimit = options.memoryLimit ?? 32 * 1024 * 1024;
    const a = from.registryRepository;
    const b = to.registryRepository;
    if (a && b && a.host === b.host && a.name !== b.name && to.mountBlob) this.mountFrom = a.name;
  }

  async root(descriptor: Descriptor): Promise<void> {
    const tag = this.options.tag;
    if (tag !== undefined && !this.options.assumeAbsent) {
      const tagged = await this.to.headManifest(tag);
      if (tagged?.digest === descriptor.digest) {
        this.report.manifestsPresent++;
        if (this.options.referrers) await this.referrers(descriptor);
        return;
      }
    }
    const copied = await this.manifest(descriptor, tag);
    // A manifest found in place had its referrers copied with it, unless they are new.
    if (!copied && this.options.referrers) await this.referrers(descriptor);
  }

  /** Copies one manifest and its graph; false when it was present (then only tagged). */
  private manifest(descriptor: Descriptor, tag?: string): Promise<boolean> {
    return this.session.manifests.run(this.key(`${descriptor.digest} ${tag ?? ''}`), async () => {
      const present = !this.options.assumeAbsent && (await this.to.headManifest(descriptor.digest));
      if (present) {
        this.report.manifestsPresent++;
        if (tag !== undefined) {
          const { bytes, descriptor: d } = await this.read(descriptor);
          await this.putStoredChildren(bytes, { mediaType: d.mediaType, tag });
        }
        return false;
      }
      const { bytes, descriptor: d, manifest } = await this.read(descriptor);
      await this.store(manifest, bytes, d.mediaType, tag);
      if (this.options.referrers) await this.referrers(d);
      return true;
    });
  }

  /** Stores the manifest's children, then the manifest. */
  private async store(
    manifest: Manifest,
    bytes: Uint8Array,
    mediaType: string,
    tag: string | undefined,
  ): Promise<void> {
    await runPool(childrenOf(manifest), this.limit, async (child) => {
      if (isManifestType(child.mediaType)) await this.manifest(child);
      else await this.blob(child);
    });
    await this.putStoredChildren(bytes, tag === undefined ? { mediaType } : { mediaType, tag });
    this.report.manifestsCopied++;
  }

  /** A session key: the same digest in two destinations is two jobs. */
  private key(k: string): string {
    return `${this.to.description}\n${k}`;
  }

  /**
   * PUTs a manifest whose children are stored. A registry that reads a child's link
   * file while another upload rewrites it says the child is unknown: asked again a
   * moment later, it finds it.
   */
  private async putStoredChildren(
    bytes: Uint8Array,
    options: { mediaType: string; tag?: string },
  ): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.to.putManifest(bytes, options);
        return;
      } catch (e) {
        const race = e instanceof OciError && e.codes.some((c) => CHILD_RACE_CODES.has(c));
        if (!race || attempt >= CHILD_RACE_RETRIES) throw e;
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }

  private async read(
    descriptor: Descriptor,
  ): Promise<{ bytes: Uint8Array; descriptor: Descriptor; manifest: Manifest }> {
    const result =
      this.session.take(this.from, descriptor.digest) ??
      (await this.from.getManifest(descriptor.digest));
    const manifest = parseManifest(result.bytes, {
      operation: 'copy manifest',
      registry: this.from.description,
      reference: descriptor.digest,
    });
    return { bytes: result.bytes, descriptor: result.descriptor, manifest };
  }

  blob(descriptor: Descriptor): Promise<void> {
    return this.session.blobs.run(this.key(descriptor.digest), async () => {
      if (!this.options.assumeAbsent && (await this.to.statBlob(descriptor.digest))) {
        this.report.blobsPresent++;
        return;
      }
      if (this.mountFrom && (await this.to.mountBlob!(descriptor.digest, this.mountFrom))) {
        this.report.blobsMounted++;
        return;
      }
      const read = { expectedSize: descriptor.size, maxSize: Math.max(descriptor.size, 0) };
      const put = {
        mediaType: descriptor.mediaType,
        digest: descriptor.digest,
        assumeAbsent: true,
      };
      const known = this.session.takeBlob(this.from, descriptor.digest);
      if (known && known.length === descriptor.size) {
        await this.to.pushBlob(known, put);
      } else if (descriptor.size <= this.memoryLimit) {
        await this.to.pushBlob(await this.from.getBlob(descriptor.digest, read), put);
      } else {
        const dir = await mkdtemp(join(tmpdir(), 'tufci-copy-'));
        try {
          const file = join(dir, 'blob');
          await this.from.getBlobToFile(descriptor.digest, file, read);
          await this.to.putBlobFile(file, put);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
      this.report.blobsCopied++;
      this.report.bytesCopied += descriptor.size;
    });
  }

  /** Copies the referrers of `subject` (rewritten or left out by the hook). */
  private async referrers(subject: Descriptor): Promise<void> {
    const list = await this.from.referrers(subject.digest);
    await runPool(list, this.limit, async (listed) => {
      const { bytes, descriptor, manifest } = await this.read(listed);
      const hook = this.options.rewriteReferrer;
      const replaced = hook ? await hook({ descriptor: listed, manifest, bytes }) : undefined;
      if (replaced === null) {
        this.report.referrersDropped++;
        return;
      }
      if (replaced === undefined) {
        if (await this.manifest(descriptor)) this.report.referrersCopied++;
        return;
      }
      const context = {
        operation: 'rewrite referrer',
        registry: this.to.description,
        reference: descriptor.digest,
      };
      const rewritten = parseManifest(replaced, context);
      if (rewritten.subject?.digest !== subject.digest)
        throw new OciError('invalid', context, 'a rewritten referrer must keep its subject');
      const digest = digestOf(replaced);
      await this.session.manifests.run(this.key(`${digest} `), async () => {
        if (await this.to.headManifest(digest)) {
          this.report.manifestsPresent++;
          return false;
        }
        await this.store(rewritten, replaced, descriptor.mediaType, undefined);
        this.report.referrersCopied++;
        return true;
      });
    });
  }
}

/** What a manifest names: config and layers, or an index's manifests (and `blobs`, if any). */
function childrenOf(manifest: Manifest): Descriptor[] {
  const m = manifest as Partial<Record<'config' | 'layers' | 'manifests' | 'blobs', unknown>>;
  const out: Descriptor[] = [];
  const add = (d: unknown): void => {
    if (typeof d !== 'object' || d === null) return;
    const x = d as Descriptor;
    if (typeof x.digest === 'string' && typeof x.mediaType === 'string') out.push(x);
  };
  add(m.config);
  for (const list of [m.layers, m.manifests, m.blobs]) if (Array.isArray(list)) list.forEach(add);
  return out;
}
