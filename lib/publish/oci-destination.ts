/**
 * Where a TUF-on-OCI repository lives: `oci://HOST/REPO` (metadata in REPO, targets in
 * REPO/targets) or `oci-layout:DIR` (metadata in the layout DIR, targets in DIR/targets).
 */
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { OciLocationSpec } from '../location.js';
import {
  OciError,
  OciLayoutStore,
  RegistryClient,
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
  /** Registry options (credentials, fetch, retries, onRequest) for a host. */
  registry?: (host: string) => Promise<RegistryOptions> | RegistryOptions;
  /** Create layout directories that do not exist (publishing); default false. */
  create?: boolean;
}

export async function openOciLocation(
  location: OciLocationSpec,
  options: OpenLocationOptions,
): Promise<OciLocation> {
  const spec = location.spec;
  if (location.kind === 'oci') {
    const { host, repository } = location;
    const client = new RegistryClient(host, (await options.registry?.(host)) ?? {});
    return {
      name: spec,
      kind: 'registry',
      host,
      metadata: client.repository(repository),
      targets: client.repository(targetsRepositoryOf(repository)),
    };
  }
  const dir = location.dir;
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

/**
 * The publisher for `oci://HOST/REPO` or `oci-layout:DIR` (created if missing). On a
 * registry it attaches pointer referrers to the signed registry artifacts; an artifact's
 * repository is opened with the options `registry` gives for its host.
 */
export async function openOciPublisher(
  location: OciLocationSpec,
  options: OpenLocationOptions & { log?: (line: string) => void; concurrency?: number },
): Promise<OciPublisher> {
  const opened = await openOciLocation(location, { ...options, create: true });
  const pointers =
    opened.kind === 'registry'
      ? {
          metadata: opened.name,
          open: async (source: string) => {
            const ref = parseReference(source);
            const registry = (await options.registry?.(ref.registry)) ?? {};
            return new RegistryClient(ref.registry, registry).repository(ref.repository);
          },
          host: opened.host!,
          here: async (source: string) => {
            const ref = parseReference(source);
            const registry = (await options.registry?.(opened.host!)) ?? {};
            return new RegistryClient(opened.host!, registry).repository(ref.repository);
          },
        }
      : undefined;
  return new OciPublisher(
    location.spec,
    { metadata: opened.metadata, targets: opened.targets! },
    {
      ...(pointers ? { pointers } : {}),
      ...(options.log ? { log: options.log } : {}),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    },
  );
}
