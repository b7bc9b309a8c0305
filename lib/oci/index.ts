/**
 * lib/oci: an OCI distribution-spec 1.1 client on global fetch, and OCI image-layout
 * directories, behind one interface (OciStore).
 */
export type { ManifestResult, OciStore } from './store.js';
export {
  copyBlob,
  copyGraph,
  CopySession,
  emptyCopyReport,
  type CopyReport,
  type ReferrerRewrite,
} from './copy.js';
export { RegistryClient, type RegistryOptions } from './registry/client.js';
export { RegistryRepository } from './registry/repository.js';
export { OciLayoutStore } from './layout/store.js';
export { OciError } from './errors.js';
export { redactUrl } from './transport/http.js';
export { resolveCredentials, dockerConfigPath } from './transport/credentials.js';
export { parseChallenges } from './transport/auth.js';
export {
  parseReference,
  formatReference,
  isValidTag,
  isValidRepository,
  isLoopbackHost,
  referrersTag,
  tagForName,
} from './reference.js';
export { digestOf, parseDigest } from './digest.js';
export {
  MEDIA_TYPE,
  REF_NAME_ANNOTATION,
  TITLE_ANNOTATION,
  EMPTY_JSON,
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
} from './media-types.js';
export { encodeJson, parseManifest } from './manifest.js';
export { referrerDescriptor, addReferrer, removeReferrer, filterReferrers } from './referrers.js';
export { runPool, Shared } from './pool.js';
export {
  TUF_MEDIA_TYPE,
  TUF_FILENAME_ANNOTATION,
  POINTER,
  SOURCE_CUSTOM_KEY,
  targetsRepositoryOf,
  roleTag,
  parseMetadataFileName,
  targetLocation,
  findNamed,
  registryArtifactOf,
} from './tuf-layout.js';
export {
  TufOciRepo,
  emptyState,
  type PublishedState,
  type TufManifest,
  type TufOciStores,
} from './tuf-repo.js';
