/**
 * The manifests of a TUF-on-OCI repository, as a publish writes them: deterministic bytes,
 * so an unchanged repository yields the same digests and nothing is uploaded again.
 */
import { InternalError } from '../errors.js';
import { digestOf } from './digest.js';
import { encodeJson } from './manifest.js';
import { MEDIA_TYPE, type Descriptor } from './media-types.js';
import {
  METADATA_TAG,
  TUF_MEDIA_TYPE,
  artifactManifest,
  namedLayer,
  roleTag,
  targetLocation,
  type TargetLocation,
} from './tuf-layout.js';

export interface BuiltManifest {
  bytes: Uint8Array;
  descriptor: Descriptor;
  tag?: string;
}

function built(doc: object, mediaType: string, tag?: string): BuiltManifest {
  const bytes = encodeJson(doc);
  const descriptor: Descriptor = { mediaType, digest: digestOf(bytes), size: bytes.length };
  return tag === undefined ? { bytes, descriptor } : { bytes, descriptor, tag };
}

/** A target file to publish: where it goes, and its layer (named by its published path). */
export interface TargetFile {
  loc: TargetLocation;
  layer: Descriptor;
  /** Files without a directory: their own manifest, tagged `<sha>.<name>`. */
  manifest?: BuiltManifest;
}

/** A target file from its tree path (`targets/<dir>/<sha>.<name>`) and size. */
export function targetFile(treePath: string, size: number): TargetFile {
  const loc = targetLocation(treePath);
  if (!loc) throw new InternalError(`${treePath}: not a consistent-snapshot target path`);
  const blob = { digest: `sha256:${loc.sha256}`, size };
  if (loc.tag === undefined) {
    return { loc, layer: namedLayer(blob, TUF_MEDIA_TYPE.target, loc.relPath) };
  }
  const layer = namedLayer(blob, TUF_MEDIA_TYPE.target, loc.fileName);
  const doc = artifactManifest(TUF_MEDIA_TYPE.target, [layer]);
  return { loc, layer, manifest: built(doc, MEDIA_TYPE.imageManifest, loc.tag) };
}

/** The target file a published target path and its sha256 and length stand for. */
export function publishedTargetFile(path: string, sha256: string, length: number): TargetFile {
  const i = path.lastIndexOf('/');
  const rel = i < 0 ? `${sha256}.${path}` : `${path.slice(0, i)}/${sha256}.${path.slice(i + 1)}`;
  return targetFile(rel, length);
}

/**
 * One manifest per first path component, tagged with it, whose layers are the files
 * below (annotated `<dir>/<sha>.<name>`), sorted, without duplicates.
 */
export function directoryManifests(files: readonly TargetFile[]): Map<string, BuiltManifest> {
  const groups = new Map<string, Map<string, Descriptor>>();
  for (const f of files) {
    if (f.loc.indexTag === undefined) continue;
    const group = groups.get(f.loc.indexTag) ?? new Map<string, Descriptor>();
    groups.set(f.loc.indexTag, group);
    group.set(f.loc.relPath, f.layer);
  }
  const out = new Map<string, BuiltManifest>();
  for (const [tag, group] of groups) {
    const layers = [...group.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, d]) => d);
    out.set(
      tag,
      built(artifactManifest(TUF_MEDIA_TYPE.target, layers), MEDIA_TYPE.imageManifest, tag),
    );
  }
  return out;
}

/** The layer of a metadata file, named by its published path (`3.targets.json`, `timestamp.json`). */
export function metadataLayer(entry: {
  path: string;
  bytes: Uint8Array;
  sha256: string;
}): Descriptor {
  return namedLayer(
    { digest: `sha256:${entry.sha256}`, size: entry.bytes.length },
    TUF_MEDIA_TYPE.metadata,
    entry.path,
  );
}

/** A delegated role's manifest, tagged by role: its current file first, then any kept one. */
export function roleManifest(role: string, layers: Descriptor[]): BuiltManifest {
  const doc = artifactManifest(TUF_MEDIA_TYPE.metadata, layers);
  return built(doc, MEDIA_TYPE.imageManifest, roleTag(role));
}

/** The top-level manifest, tagged `latest`: every root version, targets, snapshot, timestamp. */
export function latestManifest(layers: Descriptor[]): BuiltManifest {
  const doc = artifactManifest(TUF_MEDIA_TYPE.metadata, layers);
  return built(doc, MEDIA_TYPE.imageManifest, METADATA_TAG);
}
