/**
 * TUF on OCI: Docker's layout (docker/attest `tuf/registry.go`, docker/go-tuf-mirror) with
 * its gaps fixed. Names, media types, tags and file-name parsing shared by the publisher
 * and the client. See docs/OCI.md.
 */
import { createHash } from 'node:crypto';
import { EMPTY_JSON, MEDIA_TYPE, TITLE_ANNOTATION, type Descriptor } from './media-types.js';
import { tagForName } from './reference.js';

export const TUF_MEDIA_TYPE = {
  /** Layers holding metadata files; also the artifactType of metadata manifests. */
  metadata: 'application/vnd.tuf.metadata+json',
  /** Layers holding target files, stored raw; also the artifactType of target manifests. */
  target: 'application/vnd.tuf.target',
} as const;

/** The layer (or index entry) annotation that names a file, as Docker's client reads it. */
export const TUF_FILENAME_ANNOTATION = 'tuf.io/filename';

/** The tag of the manifest holding every top-level metadata file. */
export const METADATA_TAG = 'latest';

export const TOP_LEVEL_ROLES: readonly string[] = ['root', 'timestamp', 'snapshot', 'targets'];

/** The unsigned pointer attached to a signed registry artifact (a referrer). */
export const POINTER = {
  artifactType: 'application/vnd.tufci.pointer.v1+json',
  /** `oci://HOST/REPO` of the TUF metadata repository. */
  metadataAnnotation: 'dev.tufci.pointer.metadata',
  /** The TUF target path that signs the artifact. */
  targetAnnotation: 'dev.tufci.pointer.target',
} as const;

/** The `custom` key, next to `oci`, that records where a registry artifact was found. */
export const SOURCE_CUSTOM_KEY = 'x-tufci-oci-source';

/** The repository that holds targets, beside the metadata repository `repo`. */
export function targetsRepositoryOf(repo: string): string {
  return `${repo}/targets`;
}

/**
 * The tag of a delegated role's metadata manifest: the role name when it is a valid tag,
 * else `tagForName`'s hashed form; a role named `latest` is hashed too, so it cannot
 * replace the top-level manifest.
 */
export function roleTag(role: string): string {
  const tag = tagForName(role);
  if (tag !== METADATA_TAG) return tag;
  return `_${role}-${createHash('sha256').update(role, 'utf8').digest('hex').slice(0, 16)}`;
}

/** `timestamp.json` → {role}; `3.snapshot.json`, `2.a.b.json` → {role, version}. */
export function parseMetadataFileName(
  name: string,
): { role: string; version?: number } | undefined {
  const versioned = /^([1-9][0-9]*)\.(.+)\.json$/.exec(name);
  if (versioned) return { role: versioned[2]!, version: Number(versioned[1]) };
  const plain = /^(.+)\.json$/.exec(name);
  return plain ? { role: plain[1]! } : undefined;
}

/** Where one target file goes, from its consistent-snapshot path `targets/<dir>/<sha>.<name>`. */
export interface TargetLocation {
  sha256: string;
  /** `<sha>.<name>`. */
  fileName: string;
  /** `<dir>/<sha>.<name>`, the path below `targets/` (just `<sha>.<name>` for top-level files). */
  relPath: string;
  /** For files without a directory: the tag of their own manifest. */
  tag?: string;
  /** For files in a directory: the tag of the directory's manifest (first path component). */
  indexTag?: string;
}

/** Splits a tree path (`targets/...`) or a relative path (`dir/<sha>.<name>`). */
export function targetLocation(path: string): TargetLocation | undefined {
  const rel = path.startsWith('targets/') ? path.slice('targets/'.length) : path;
  const slash = rel.lastIndexOf('/');
  const fileName = rel.slice(slash + 1);
  const m = /^([0-9a-f]{64})\.(.+)$/s.exec(fileName);
  if (!m) return undefined;
  const out: TargetLocation = { sha256: m[1]!, fileName, relPath: rel };
  if (slash < 0) out.tag = tagForName(fileName);
  else out.indexTag = tagForName(rel.slice(0, rel.indexOf('/')));
  return out;
}

/**
 * A layer descriptor named the way Docker's client (`tuf.io/filename`) and oras
 * (`org.opencontainers.image.title`: `oras pull` writes the file under that path) read it.
 */
export function namedLayer(
  blob: { digest: string; size: number },
  mediaType: string,
  fileName: string,
): Descriptor {
  return {
    mediaType,
    digest: blob.digest,
    size: blob.size,
    annotations: { [TUF_FILENAME_ANNOTATION]: fileName, [TITLE_ANNOTATION]: fileName },
  };
}

/** An artifact manifest: empty config, the given layers, artifactType set (image-spec 1.1). */
export function artifactManifest(artifactType: string, layers: Descriptor[]): object {
  return {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.imageManifest,
    artifactType,
    config: { ...EMPTY_JSON.descriptor },
    layers,
  };
}

/** The layer descriptor a manifest lists for `fileName`, if any. */
export function findNamed(list: readonly Descriptor[], fileName: string): Descriptor | undefined {
  return list.find((d) => d.annotations?.[TUF_FILENAME_ANNOTATION] === fileName);
}

/**
 * The signed OCI descriptor of a registry artifact, from a TUF target's `custom`
 * (`custom.oci = {mediaType, digest, size}`), and where it was found when recorded.
 */
export function registryArtifactOf(
  custom: unknown,
): { descriptor: Descriptor; source?: string } | undefined {
  if (typeof custom !== 'object' || custom === null) return undefined;
  const c = custom as Record<string, unknown>;
  const oci = c.oci as Partial<Descriptor> | undefined;
  if (typeof oci !== 'object' || oci === null) return undefined;
  const { mediaType, digest, size } = oci;
  if (typeof mediaType !== 'string' || typeof digest !== 'string' || typeof size !== 'number')
    return undefined;
  const source = typeof c[SOURCE_CUSTOM_KEY] === 'string' ? c[SOURCE_CUSTOM_KEY] : undefined;
  return source === undefined
    ? { descriptor: { mediaType, digest, size } }
    : { descriptor: { mediaType, digest, size }, source };
}
