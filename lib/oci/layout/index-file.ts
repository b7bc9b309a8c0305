/** The entries of a layout's index.json: tags via `org.opencontainers.image.ref.name`. */
import { REF_NAME_ANNOTATION, type Descriptor, type ImageIndex } from '../media-types.js';

function tagOf(entry: Descriptor): string | undefined {
  return entry.annotations?.[REF_NAME_ANNOTATION];
}

/** The entry tagged `tag` (the last one, if a tool wrote several). */
export function findTag(index: ImageIndex, tag: string): Descriptor | undefined {
  return index.manifests.filter((d) => tagOf(d) === tag).at(-1);
}

/** All tags, sorted, each once. */
export function tagsOf(index: ImageIndex): string[] {
  const tags = index.manifests.map(tagOf).filter((t): t is string => t !== undefined);
  return [...new Set(tags)].sort();
}

/**
 * `index` with `descriptor` tagged `tag` (replacing what the tag named before and any
 * untagged entry of the same digest), or listed untagged when `tag` is undefined and the
 * digest is not listed at all. Returns undefined when nothing changes.
 */
export function withManifest(
  index: ImageIndex,
  descriptor: Descriptor,
  tag: string | undefined,
): ImageIndex | undefined {
  const entry: Descriptor = {
    mediaType: descriptor.mediaType,
    digest: descriptor.digest,
    size: descriptor.size,
  };
  if (descriptor.artifactType) entry.artifactType = descriptor.artifactType;
  if (tag === undefined) {
    if (index.manifests.some((d) => d.digest === descriptor.digest)) return undefined;
    return { ...index, manifests: [...index.manifests, entry] };
  }
  const current = findTag(index, tag);
  if (
    current?.digest === descriptor.digest &&
    index.manifests.filter((d) => tagOf(d) === tag).length === 1
  ) {
    return undefined;
  }
  entry.annotations = { [REF_NAME_ANNOTATION]: tag };
  const kept = index.manifests.filter(
    (d) => tagOf(d) !== tag && !(d.digest === descriptor.digest && tagOf(d) === undefined),
  );
  return { ...index, manifests: [...kept, entry] };
}
