/**
 * Referrers, the parts every store shares: the descriptor that lists a referrer (with
 * artifactType and annotations copied), and merging it into a referrers index without
 * duplicates, as the fallback tag `sha256-<hex>` requires.
 */
import {
  emptyIndex,
  isIndexMediaType,
  type Descriptor,
  type ImageIndex,
  type Manifest,
} from './media-types.js';

/**
 * The descriptor under which `manifest` is listed as a referrer. Its artifactType is the
 * manifest's, or for an image manifest without one, its config's media type (image-spec 1.1).
 */
export function referrerDescriptor(manifest: Manifest, descriptor: Descriptor): Descriptor {
  const out: Descriptor = {
    mediaType: descriptor.mediaType,
    digest: descriptor.digest,
    size: descriptor.size,
  };
  const artifactType =
    manifest.artifactType ??
    ('config' in manifest && !isIndexMediaType(descriptor.mediaType)
      ? manifest.config?.mediaType
      : undefined);
  if (artifactType) out.artifactType = artifactType;
  if (manifest.annotations && Object.keys(manifest.annotations).length > 0) {
    out.annotations = { ...manifest.annotations };
  }
  return out;
}

/**
 * `index` with `referrer` listed once: added when absent, replaced when listed with other
 * fields. Returns undefined when the index already lists it exactly (nothing to write).
 */
export function addReferrer(
  index: ImageIndex | undefined,
  referrer: Descriptor,
): ImageIndex | undefined {
  const base = index ?? emptyIndex();
  const manifests = Array.isArray(base.manifests) ? base.manifests : [];
  const same = manifests.filter((d) => d.digest === referrer.digest);
  if (same.length === 1 && sameDescriptor(same[0]!, referrer)) return undefined;
  const kept = manifests.filter((d) => d.digest !== referrer.digest);
  return { ...base, manifests: [...kept, referrer] };
}

/** `index` without `digest`, or undefined when it was not listed. */
export function removeReferrer(index: ImageIndex, digest: string): ImageIndex | undefined {
  const kept = index.manifests.filter((d) => d.digest !== digest);
  return kept.length === index.manifests.length ? undefined : { ...index, manifests: kept };
}

/** Descriptors with the given artifactType (all when none is given), first occurrence of each digest. */
export function filterReferrers(list: readonly Descriptor[], artifactType?: string): Descriptor[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    if (seen.has(d.digest) || (artifactType && d.artifactType !== artifactType)) return false;
    seen.add(d.digest);
    return true;
  });
}

function sameDescriptor(a: Descriptor, b: Descriptor): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
