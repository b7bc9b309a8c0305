/**
 * The unsigned pointer a publish attaches to each signed registry artifact: a referrer
 * (`subject` = the artifact) whose annotations name the TUF metadata repository and
 * the target path. It only helps a client find the metadata; trust comes from the
 * client's pinned root, so a copier may rewrite or drop it.
 */
import {
  EMPTY_JSON,
  MEDIA_TYPE,
  POINTER,
  digestOf,
  encodeJson,
  type Descriptor,
  type ImageManifest,
  type OciStore,
} from '../oci/index.js';

export interface Pointer {
  /** `oci://HOST/REPO` of the metadata repository. */
  metadata: string;
  /** The TUF target path whose `custom.oci` is the artifact's descriptor. */
  target: string;
}

/** The pointer manifest's bytes (deterministic: re-attaching adds nothing). */
export function pointerManifest(subject: Descriptor, pointer: Pointer): Uint8Array {
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.imageManifest,
    artifactType: POINTER.artifactType,
    config: { ...EMPTY_JSON.descriptor },
    layers: [{ ...EMPTY_JSON.descriptor }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations: {
      [POINTER.metadataAnnotation]: pointer.metadata,
      [POINTER.targetAnnotation]: pointer.target,
    },
  };
  return encodeJson(manifest);
}

/** Attaches the pointer unless the artifact's referrers list it already. */
export async function attachPointer(
  store: OciStore,
  subject: Descriptor,
  pointer: Pointer,
): Promise<'attached' | 'present'> {
  const bytes = pointerManifest(subject, pointer);
  const digest = digestOf(bytes);
  const listed = await store.referrers(subject.digest, { artifactType: POINTER.artifactType });
  if (listed.some((d) => d.digest === digest)) return 'present';
  await store.putBlob(EMPTY_JSON.bytes, { mediaType: MEDIA_TYPE.emptyJson });
  await store.putManifest(bytes);
  return 'attached';
}

/** The pointers among an artifact's referrers, read from their annotations (or manifests). */
export async function findPointers(
  store: OciStore,
  subject: string,
): Promise<(Pointer & { digest: string })[]> {
  const out: (Pointer & { digest: string })[] = [];
  for (const d of await store.referrers(subject, { artifactType: POINTER.artifactType })) {
    let annotations = d.annotations;
    if (!annotations?.[POINTER.metadataAnnotation]) {
      const { bytes } = await store.getManifest(d.digest, { maxSize: 64 * 1024 });
      annotations = (JSON.parse(Buffer.from(bytes).toString('utf8')) as ImageManifest).annotations;
    }
    const metadata = annotations?.[POINTER.metadataAnnotation];
    const target = annotations?.[POINTER.targetAnnotation];
    if (metadata && target) out.push({ metadata, target, digest: d.digest });
  }
  return out;
}
