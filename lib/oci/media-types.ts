/** Media types and the JSON shapes of OCI descriptors, manifests and indexes (image-spec 1.1). */

export const MEDIA_TYPE = {
  imageManifest: 'application/vnd.oci.image.manifest.v1+json',
  imageIndex: 'application/vnd.oci.image.index.v1+json',
  imageConfig: 'application/vnd.oci.image.config.v1+json',
  emptyJson: 'application/vnd.oci.empty.v1+json',
  layoutHeader: 'application/vnd.oci.layout.header.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

/** Every manifest type a GET may return; sent as `Accept`. OCI first. */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  MEDIA_TYPE.imageManifest,
  MEDIA_TYPE.imageIndex,
  MEDIA_TYPE.dockerManifest,
  MEDIA_TYPE.dockerManifestList,
];

/** Manifest types whose `manifests` array lists other manifests. */
export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPE.imageIndex || mediaType === MEDIA_TYPE.dockerManifestList;
}

/** The annotation an image layout uses to name a manifest with a tag. */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
/** The annotation oras uses for a layer's file name. */
export const TITLE_ANNOTATION = 'org.opencontainers.image.title';

/** The empty JSON blob `{}`, the config of artifacts that carry no config. */
export const EMPTY_JSON = {
  bytes: new TextEncoder().encode('{}'),
  descriptor: {
    mediaType: MEDIA_TYPE.emptyJson,
    digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
    size: 2,
  },
} as const;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  data?: string;
  artifactType?: string;
  platform?: Platform;
}

interface Platform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export type Manifest = ImageManifest | ImageIndex;

/** An empty OCI index, e.g. the start of a referrers list. */
export function emptyIndex(): ImageIndex {
  return { schemaVersion: 2, mediaType: MEDIA_TYPE.imageIndex, manifests: [] };
}
