/**
 * lib/oci: an OCI distribution-spec 1.1 client on global fetch, and OCI image-layout
 * directories, behind one interface (OciStore).
 */
export type {
  BlobReadOptions,
  ManifestResult,
  OciStore,
  PutBlobOptions,
  PutManifestOptions,
  PushedBlob,
  ReferrersOptions,
} from './store.js';
export {
  copyBlob,
  copyGraph,
  emptyCopyReport,
  type CopyGraphOptions,
  type CopyReport,
  type ReferrerRewrite,
} from './copy.js';
export { RegistryClient, openRegistryRepository, type RegistryOptions } from './registry/client.js';
export { RegistryRepository } from './registry/repository.js';
export type { RegistrySettings } from './registry/handle.js';
export { OciLayoutStore, type LayoutOptions } from './layout/store.js';
export { OciError, type OciErrorKind, type OciErrorContext } from './errors.js';
export type { HttpOptions, OciLogger } from './transport/http.js';
export { redactUrl } from './transport/http.js';
export type { RetryPolicy } from './transport/retry-policy.js';
export {
  resolveCredentials,
  dockerConfigPath,
  ENV_USERNAME,
  ENV_PASSWORD,
  type Credentials,
  type CredentialSources,
} from './transport/credentials.js';
export { parseChallenges, type Challenge } from './transport/auth.js';
export {
  parseReference,
  formatReference,
  isValidTag,
  isValidRepository,
  isLoopbackHost,
  referrersTag,
  tagForName,
  type Reference,
} from './reference.js';
export { digestOf, digestOfFile, isDigest, parseDigest } from './digest.js';
export {
  MEDIA_TYPE,
  MANIFEST_MEDIA_TYPES,
  REF_NAME_ANNOTATION,
  TITLE_ANNOTATION,
  EMPTY_JSON,
  emptyIndex,
  isIndexMediaType,
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
  type Manifest,
  type Platform,
} from './media-types.js';
export { encodeJson, parseManifest, manifestMediaType } from './manifest.js';
export { referrerDescriptor, addReferrer, removeReferrer, filterReferrers } from './referrers.js';
export { runPool, Shared } from './pool.js';
export {
  TUF_MEDIA_TYPE,
  TUF_FILENAME_ANNOTATION,
  METADATA_TAG,
  TOP_LEVEL_ROLES,
  POINTER,
  SOURCE_CUSTOM_KEY,
  targetsRepositoryOf,
  roleTag,
  parseMetadataFileName,
  targetLocation,
  namedLayer,
  artifactManifest,
  findNamed,
  registryArtifactOf,
  type TargetLocation,
} from './tuf-layout.js';
export {
  TufOciRepo,
  emptyState,
  type PublishedState,
  type TufManifest,
  type TufOciStores,
} from './tuf-repo.js';
