/** Parsing manifest bytes and telling their media type. */
import { OciError, type OciErrorContext } from './errors.js';
import { MEDIA_TYPE, MANIFEST_MEDIA_TYPES, type Manifest } from './media-types.js';

/** Parses manifest or index JSON; throws OciError `invalid` for anything else. */
export function parseManifest(bytes: Uint8Array, context: OciErrorContext): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new OciError('invalid', context, 'manifest is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new OciError('invalid', context, 'manifest is not a JSON object');
  }
  const m = value as Partial<Manifest> & { schemaVersion?: unknown };
  if (m.schemaVersion !== 2)
    throw new OciError('invalid', context, 'manifest schemaVersion is not 2');
  return m as Manifest;
}

/**
 * The media type of manifest bytes: the `mediaType` field when present, else the
 * Content-Type a registry gave (when it is a manifest type), else guessed from the shape.
 */
export function manifestMediaType(manifest: Manifest, contentType?: string | null): string {
  if (typeof manifest.mediaType === 'string' && manifest.mediaType) return manifest.mediaType;
  const header = contentType?.split(';')[0]?.trim();
  if (header && MANIFEST_MEDIA_TYPES.includes(header)) return header;
  return 'manifests' in manifest ? MEDIA_TYPE.imageIndex : MEDIA_TYPE.imageManifest;
}

/** JSON bytes of a manifest, index or other document (no extra whitespace). */
export function encodeJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}
