/** Shared bits of the lib/oci tests: artifacts to push and a request recorder. */
import { randomBytes } from 'node:crypto';
import {
  EMPTY_JSON,
  MEDIA_TYPE,
  TITLE_ANNOTATION,
  encodeJson,
  type Descriptor,
  type ImageManifest,
  type OciStore,
} from '../../lib/oci/index.js';

export function randomData(size: number): Uint8Array {
  return new Uint8Array(randomBytes(size));
}

export interface RecordedRequest {
  method: string;
  url: string;
  status: number;
}

/** An onRequest hook that records every exchange. */
export function recorder(): {
  log: RecordedRequest[];
  onRequest: (method: string, url: string, status: number) => void;
  count: (method: string, pathPart?: string) => number;
} {
  const log: RecordedRequest[] = [];
  return {
    log,
    onRequest: (method, url, status) => log.push({ method, url, status }),
    count: (method, pathPart = '') =>
      log.filter((r) => r.method === method && r.url.includes(pathPart)).length,
  };
}

/** Records sleeps instead of sleeping. */
export function sleepRecorder(): { sleeps: number[]; sleep: (ms: number) => Promise<void> } {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms) => void sleeps.push(ms) };
}

export interface ArtifactSpec {
  artifactType?: string;
  files?: { name: string; data: Uint8Array; mediaType?: string }[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
  tag?: string;
}

/** Pushes an artifact manifest (empty config, one layer per file) with its blobs. */
export async function pushArtifact(
  store: OciStore,
  spec: ArtifactSpec,
): Promise<{ descriptor: Descriptor; manifest: ImageManifest; bytes: Uint8Array }> {
  await store.putBlob(EMPTY_JSON.bytes, { mediaType: MEDIA_TYPE.emptyJson });
  const layers: Descriptor[] = [];
  for (const file of spec.files ?? []) {
    const d = await store.putBlob(file.data, { mediaType: file.mediaType ?? 'text/plain' });
    layers.push({ ...d, annotations: { [TITLE_ANNOTATION]: file.name } });
  }
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.imageManifest,
    artifactType: spec.artifactType ?? 'application/vnd.tufci.test',
    config: { ...EMPTY_JSON.descriptor },
    layers,
  };
  if (spec.subject) manifest.subject = spec.subject;
  if (spec.annotations) manifest.annotations = spec.annotations;
  const bytes = encodeJson(manifest);
  const descriptor = await store.putManifest(bytes, { tag: spec.tag });
  return { descriptor, manifest, bytes };
}
