/**
 * A TUF repository in the TUF-on-OCI layout (see tuf-layout.ts and docs/OCI.md), read
 * and written through its two stores: the metadata repository (`latest` holding the
 * top-level files, a manifest per delegated role) and the targets repository (raw
 * target blobs, a manifest per top-level file or directory). The publisher, the client
 * and the mirror all go through it.
 *
 * Every manifest is read once per instance, so one reader never mixes two publishes:
 * open a new instance to see a later one. Nothing read here is trusted; a TUF client
 * verifies the files, and the reader only finds them.
 */
import { OciError } from './errors.js';
import { parseManifest } from './manifest.js';
import type { Descriptor } from './media-types.js';
import type { OciStore } from './store.js';
import type { BuiltManifest } from './tuf-manifests.js';
import {
  METADATA_TAG,
  TOP_LEVEL_ROLES,
  TUF_FILENAME_ANNOTATION,
  TUF_MEDIA_TYPE,
  findNamed,
  parseMetadataFileName,
  roleTag,
} from './tuf-layout.js';

export interface TufOciStores {
  /** Holds `latest` and the delegated roles' manifests. */
  metadata: OciStore;
  /** Holds the target files; absent when the repository has none (a layout without targets). */
  targets?: OciStore;
}

/** A manifest of the metadata repository, as read: its descriptor, bytes and layers. */
export interface TufManifest {
  tag: string;
  descriptor: Descriptor;
  bytes: Uint8Array;
  layers: Descriptor[];
}

/** What an earlier publish left: only used to skip work, never trusted. */
export interface PublishedState {
  /** The `latest` manifest, when there is one. */
  latest?: TufManifest;
  /** Delegated role manifests read, by role name. */
  roles: Map<string, TufManifest>;
  /** Versions the published snapshot names, by role (`targets`, delegated roles). */
  versions: Map<string, number>;
  /** Target files of the published metadata: target path → sha256 and length. */
  targets: Map<string, { sha256: string; length: number }>;
}

export function emptyState(): PublishedState {
  return { roles: new Map(), versions: new Map(), targets: new Map() };
}

const MAX_METADATA = 512 * 1024 * 1024;

export class TufOciRepo {
  private readonly manifests = new Map<string, Promise<TufManifest | undefined>>();

  constructor(readonly stores: TufOciStores) {}

  get metadata(): OciStore {
    return this.stores.metadata;
  }

  get targets(): OciStore | undefined {
    return this.stores.targets;
  }

  // ---- reading -------------------------------------------------------------

  /** The metadata manifest tagged `tag`, or undefined when there is none (read once). */
  manifest(tag: string): Promise<TufManifest | undefined> {
    let p = this.manifests.get(tag);
    if (!p) {
      p = this.readManifest(tag);
      this.manifests.set(tag, p);
      p.catch(() => this.manifests.delete(tag));
    }
    return p;
  }

  /** The `latest` manifest: every top-level file. */
  latest(): Promise<TufManifest | undefined> {
    return this.manifest(METADATA_TAG);
  }

  /** The manifest holding `role`'s files: `latest` for top-level roles, else the role's tag. */
  roleManifest(role: string): Promise<TufManifest | undefined> {
    return TOP_LEVEL_ROLES.includes(role) ? this.latest() : this.manifest(roleTag(role));
  }

  /** The layer of a metadata file (`timestamp.json`, `3.snapshot.json`, `2.app.json`). */
  async metadataFile(name: string): Promise<Descriptor | undefined> {
    const parsed = parseMetadataFileName(name);
    if (!parsed) return undefined;
    const manifest = await this.roleManifest(parsed.role);
    return manifest && findNamed(manifest.layers, name);
  }

  /** A metadata file's bytes (checked against its layer), or undefined when not published. */
  async readMetadata(name: string, maxSize = MAX_METADATA): Promise<Uint8Array | undefined> {
    const layer = await this.metadataFile(name);
    if (!layer) return undefined;
    return this.metadata.getBlob(layer.digest, { expectedSize: layer.size, maxSize });
  }

  /**
   * The blob of a target file from its consistent-snapshot name (`<dir>/<sha>.<name>`):
   * target blobs are stored raw, so the digest is the sha256 in the name. The size is
   * unknown (-1): the TUF client checks the signed length.
   */
  targetBlob(name: string): Descriptor | undefined {
    const hex = /^([0-9a-f]{64})\./.exec(name.slice(name.lastIndexOf('/') + 1))?.[1];
    if (!hex || !this.targets) return undefined;
    return { mediaType: TUF_MEDIA_TYPE.target, digest: `sha256:${hex}`, size: -1 };
  }

  /**
   * What is published, for an incremental publish: `latest`, the versions its snapshot
   * names, the delegated roles' manifests and the target files their metadata lists.
   * A repository without `latest` is empty. Parts that are missing or unreadable are
   * left out, so the publisher uploads (or checks) them again.
   */
  async published(): Promise<PublishedState> {
    const state = emptyState();
    const latest = await this.latest();
    if (!latest) return state;
    state.latest = latest;
    try {
      const snapshotName = latest.layers
        .map((l) => l.annotations?.[TUF_FILENAME_ANNOTATION] ?? '')
        .find((n) => /^[0-9]+\.snapshot\.json$/.test(n));
      const snapshot = snapshotName ? await this.readSigned(snapshotName) : undefined;
      const meta = (snapshot?.meta ?? {}) as Record<string, { version?: unknown }>;
      for (const [file, m] of Object.entries(meta)) {
        if (file.endsWith('.json') && typeof m.version === 'number')
          state.versions.set(file.slice(0, -'.json'.length), m.version);
      }
      for (const [role, version] of state.versions) {
        if (role !== 'targets') {
          const manifest = await this.roleManifest(role);
          if (!manifest) continue;
          state.roles.set(role, manifest);
        }
        addTargetFiles(state.targets, await this.readSigned(`${version}.${role}.json`));
      }
    } catch (e) {
      const unreadable =
        e instanceof SyntaxError ||
        (e instanceof OciError &&
          ['not-found', 'invalid', 'digest-mismatch', 'too-large'].includes(e.kind));
      if (!unreadable) throw e;
      // Whatever could not be read is checked again by the publisher.
      state.targets.clear();
    }
    return state;
  }

  private async readSigned(name: string): Promise<Record<string, unknown> | undefined> {
    const bytes = await this.readMetadata(name);
    if (!bytes) return undefined;
    const doc = JSON.parse(Buffer.from(bytes).toString('utf8')) as { signed?: unknown };
    return typeof doc.signed === 'object' && doc.signed !== null
      ? (doc.signed as Record<string, unknown>)
      : undefined;
  }

  private async readManifest(tag: string): Promise<TufManifest | undefined> {
    let result;
    try {
      result = await this.metadata.getManifest(tag);
    } catch (e) {
      if (e instanceof OciError && e.kind === 'not-found') return undefined;
      throw e;
    }
    const manifest = parseManifest(result.bytes, {
      operation: 'read TUF metadata manifest',
      registry: this.metadata.description,
      reference: tag,
    });
    const layers = 'layers' in manifest && Array.isArray(manifest.layers) ? manifest.layers : [];
    return { tag, descriptor: result.descriptor, bytes: result.bytes, layers };
  }

  // ---- writing -------------------------------------------------------------

  /** Stores a metadata file's bytes; true when they were sent (the store lacked them). */
  async putMetadataBlob(bytes: Uint8Array): Promise<boolean> {
    const pushed = await this.metadata.pushBlob(bytes, { mediaType: TUF_MEDIA_TYPE.metadata });
    return !pushed.existed;
  }

  /** PUTs a metadata manifest (a role's, or `latest`) unless `current` is its digest. */
  putMetadataManifest(manifest: BuiltManifest, current: string | undefined): Promise<boolean> {
    return putUnlessSame(this.metadata, manifest, current);
  }

  /** PUTs a targets manifest (a file's or a directory's) unless `current` is its digest. */
  putTargetManifest(manifest: BuiltManifest, current: string | undefined): Promise<boolean> {
    return putUnlessSame(this.requireTargets(), manifest, current);
  }

  requireTargets(): OciStore {
    if (!this.targets)
      throw new OciError(
        'not-found',
        { operation: 'open targets repository', registry: this.metadata.description },
        'the repository has no targets store',
      );
    return this.targets;
  }
}

/** Adds the target files (not registry artifacts) that `signed` lists. */
function addTargetFiles(
  into: Map<string, { sha256: string; length: number }>,
  signed: Record<string, unknown> | undefined,
): void {
  const targets = signed?.targets;
  if (typeof targets !== 'object' || targets === null) return;
  for (const [path, t] of Object.entries(targets as Record<string, unknown>)) {
    const info = t as { length?: unknown; hashes?: { sha256?: unknown }; custom?: unknown };
    if (isRegistryArtifact(info.custom)) continue;
    if (typeof info.hashes?.sha256 === 'string' && typeof info.length === 'number')
      into.set(path, { sha256: info.hashes.sha256, length: info.length });
  }
}

/** A target with `custom.oci` is a registry artifact, not a file (even when malformed). */
function isRegistryArtifact(custom: unknown): boolean {
  return typeof custom === 'object' && custom !== null && 'oci' in custom;
}

/** PUTs a manifest unless `current` (the digest there now) is already it. */
async function putUnlessSame(
  store: OciStore,
  manifest: BuiltManifest,
  current: string | undefined,
): Promise<boolean> {
  if (current === manifest.descriptor.digest) return false;
  await store.putManifest(manifest.bytes, {
    mediaType: manifest.descriptor.mediaType,
    tag: manifest.tag,
  });
  return true;
}
