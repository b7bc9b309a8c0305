/**
 * Registry artifacts in a signing event: a TUF target whose bytes are an OCI manifest
 * already in a registry. The target's length and sha256 are the manifest's size and
 * digest, and `custom.oci` holds its descriptor; `updateEvent` keeps such targets.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SOURCE_CUSTOM_KEY, type Descriptor } from '../oci/index.js';
import { UserError } from '../errors.js';
import { roleForTarget } from '../tuf/owner.js';
import type { RepoDir } from '../tuf/repo.js';
import { checkTargetPath } from '../tuf/target-files.js';
import type { TargetFileJson } from '../tuf/types.js';

export interface RegistryArtifact {
  /** The TUF target path. */
  path: string;
  /** mediaType, digest (sha256) and size of the artifact's manifest. */
  descriptor: Descriptor;
  /** `HOST/REPO` where it was found; informative, not verified (the artifact may move). */
  source: string;
}

/** The target entry for a registry artifact. */
function registryTarget(a: RegistryArtifact): TargetFileJson {
  const hex = /^sha256:([0-9a-f]{64})$/.exec(a.descriptor.digest)?.[1];
  if (!hex)
    throw new UserError(`${a.descriptor.digest}: only sha256 digests can be TUF target hashes`);
  const { mediaType, digest, size } = a.descriptor;
  return {
    length: size,
    hashes: { sha256: hex },
    custom: { oci: { mediaType, digest, size }, [SOURCE_CUSTOM_KEY]: a.source },
  };
}

/**
 * Adds (or replaces) the artifact's target in the role its path belongs to. Returns
 * the role and the entry it replaced, if any. Run `updateEvent` afterwards.
 */
export function addRegistryArtifact(
  repo: RepoDir,
  a: RegistryArtifact,
): { role: string; replaced?: TargetFileJson } {
  checkTargetPath(a.path, '--path');
  if (existsSync(join(repo.targetsDir, ...a.path.split('/'))))
    throw new UserError(
      `target "${a.path}": targets/${a.path} is a file; a registry artifact needs its own path`,
    );
  const role = roleForTarget((r) => (repo.has(r) ? repo.targets(r).signed : undefined), a.path);
  const env = repo.targets(role);
  const replaced = env.signed.targets[a.path];
  env.signed.targets[a.path] = registryTarget(a);
  repo.writeRole(role, env);
  return replaced ? { role, replaced } : { role };
}
