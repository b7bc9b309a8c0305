/**
 * Where a TUF-on-OCI repository lives: `oci://HOST/REPO` (metadata in REPO, targets in
 * REPO/targets) or `oci-layout:DIR` (metadata in the layout DIR, targets in DIR/targets).
 */
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import {
  OciError,
  OciLayoutStore,
  RegistryClient,
  isValidRepository,
  parseReference,
  targetsRepositoryOf,
  type OciStore,
  type RegistryOptions,
} from '../oci/index.js';
import { OciPublisher } from './oci.js';

export interface OciLocation {
  /** `oci://HOST/REPO` or `oci-layout:DIR`, as given. */
  name: string;
  kind: 'registry' | 'layout';
  /** `host[:port]` for registries. */
  host?: string;
  metadata: OciStore;
  /** Absent when reading a layout that has no targets yet. */
  targets?: OciStore;
}

export interface OpenLocationOptions {
  /** Resolves relative layout paths. */
  cwd: string;
  /** Registry options (credentials, fetch, retries, onRequest) for a host. */
  registry?: (host: string) => Promise<RegistryOptions> | RegistryOptions;
  /** Create layout directories that do not exist (publishing); default false. */
  create?: boolean;
}

export const OCI_SCHEMES = ['oci', 'oci-layout'] as const;

/** True for `oci://…` and `oci-layout:…`. */
export function isOciLocation(spec: string): boolean {
  return spec.startsWith('oci://') || spec.startsWith('oci-layout:');
}

/** `oci://HOST/REPO` → `{host, repository}`; tags and digests are refused. */
export function parseRegistryLocation(spec: string): { host: string; repository: string } {
  const rest = spec.slice('oci://'.length);
  let ref;
  try {
    ref = parseReference(rest);
  } catch (e) {
    throw new UserError(`${spec}: ${(e as Error).message}`);
  }
  if (ref.tag || ref.digest)
    throw new UserError(`${spec}: name a repository (oci://HOST/REPO), without a tag or digest`);
  if (!isValidRepository(targetsRepositoryOf(ref.repository)))
    throw new UserError(`${spec}: the repository name is too long for its /targets repository`);
  return { host: ref.registry, repository: ref.repository };
}

export async function openOciLocation(
  spec: string,
  options: OpenLocationOptions,
): Promise<OciLocation> {
  if (spec.startsWith('oci://')) {
    const { host, repository } = parseRegistryLocation(spec);
    const client = new RegistryClient(host, (await options.registry?.(host)) ?? {});
    return {
      name: spec,
      kind: 'registry',
      host,
      metadata: client.repository(repository),
      targets: client.repository(targetsRepositoryOf(repository)),
    };
  }
  if (spec.startsWith('oci-layout:')) {
    const dir = resolve(options.cwd, spec.slice('oci-layout:'.length));
    const create = options.create ?? false;
    const open = async (d: string): Promise<OciLayoutStore | undefined> => {
      try {
        return await OciLayoutStore.open(d, { create });
      } catch (e) {
        if (e instanceof OciError && e.kind === 'not-found') return undefined;
        throw e;
      }
    };
    const metadata = await open(dir);
    if (!metadata)
      throw new UserError(`${spec}: ${dir} is not an OCI image layout (no oci-layout file)`);
    const targets = await open(join(dir, 'targets'));
    return { name: spec, kind: 'layout', metadata, ...(targets ? { targets } : {}) };
  }
  throw new UserError(`${spec}: expected oci://HOST/REPO or oci-layout:DIR`);
}

/**
 * The publisher for `oci://HOST/REPO` or `oci-layout:DIR` (created if missing). On a
 * registry it attaches pointer referrers to the signed registry artifacts; an artifact's
 * repository is opened with the options `registry` gives for its host.
 */
export async function openOciPublisher(
  spec: string,
  options: OpenLocationOptions & { log?: (line: string) => void; concurrency?: number },
): Promise<OciPublisher> {
  const location = await openOciLocation(spec, { ...options, create: true });
  const pointers =
    location.kind === 'registry'
      ? {
          metadata: location.name,
          open: async (source: string) => {
            const ref = parseReference(source);
            const registry = (await options.registry?.(ref.registry)) ?? {};
            return new RegistryClient(ref.registry, registry).repository(ref.repository);
          },
        }
      : undefined;
  return new OciPublisher(
    spec,
    { metadata: location.metadata, targets: location.targets! },
    {
      ...(pointers ? { pointers } : {}),
      ...(options.log ? { log: options.log } : {}),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    },
  );
}
