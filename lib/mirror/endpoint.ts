/**
 * The two ends of a mirror: a TUF-on-OCI repository (`oci://HOST/REPO` or
 * `oci-layout:DIR`) and where the registry artifacts it signs live beside it. On a
 * registry an artifact keeps its repository path (`HOST/apps/web` → `DST_HOST/apps/web`);
 * in a layout it is the layout `DIR/artifacts/<repository path>`.
 */
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { OciLocationSpec } from '../location.js';
import {
  OciLayoutStore,
  RegistryClient,
  TufOciRepo,
  isValidRepository,
  parseReference,
  type OciStore,
  type RegistryOptions,
} from '../oci/index.js';
import { openOciLocation } from '../publish/oci-destination.js';

export interface MirrorEnd {
  /** As given (`oci://…`, `oci-layout:…`). */
  name: string;
  kind: 'registry' | 'layout';
  repo: TufOciRepo;
  /** `oci://HOST/REPO` of the metadata repository, written into pointers (registries). */
  pointerName?: string;
  /** The store of an artifact recorded as found at `source` (`HOST/REPO`). */
  artifacts(source: string): Promise<OciStore>;
  /**
   * `source` (`HOST/REPO`) as the same repository path at this end: where the copy of an
   * imported artifact lives (its entry records the source's registry).
   */
  here(source: string): string;
}

export interface OpenEndOptions {
  /** Registry options (credentials, fetch, onRequest) for a host. */
  registry?: (host: string) => Promise<RegistryOptions> | RegistryOptions;
  /**
   * The destination end: layout directories are created, and artifacts go to this
   * registry. A source end reads each artifact where it was recorded.
   */
  destination?: boolean;
}

/** The repository path of a recorded artifact source `HOST/REPO`. */
function repositoryOf(source: string): { host: string; repository: string } {
  let ref;
  try {
    ref = parseReference(source);
  } catch (e) {
    throw new UserError(`artifact source ${JSON.stringify(source)}: ${(e as Error).message}`);
  }
  return { host: ref.registry, repository: ref.repository };
}

export async function openMirrorEnd(
  location: OciLocationSpec,
  options: OpenEndOptions,
): Promise<MirrorEnd> {
  const create = options.destination ?? false;
  const opened = await openOciLocation(location, { ...options, create });
  const repo = new TufOciRepo({
    metadata: opened.metadata,
    ...(opened.targets ? { targets: opened.targets } : {}),
  });
  if (location.kind === 'oci') {
    const clients = new Map<string, RegistryClient>();
    const client = async (host: string): Promise<RegistryClient> => {
      let c = clients.get(host);
      if (!c) {
        c = new RegistryClient(host, (await options.registry?.(host)) ?? {});
        clients.set(host, c);
      }
      return c;
    };
    return {
      name: location.spec,
      kind: 'registry',
      repo,
      pointerName: `oci://${location.reference}`,
      // The source reads an artifact where it was recorded; the destination keeps its path.
      artifacts: async (source) => {
        const { host, repository } = repositoryOf(source);
        return (await client(create ? location.host : host)).repository(repository);
      },
      here: (source) => `${location.host}/${repositoryOf(source).repository}`,
    };
  }
  return {
    name: location.spec,
    kind: 'layout',
    repo,
    here: (source) => source,
    artifacts: async (source) => {
      const { repository } = repositoryOf(source);
      if (!isValidRepository(repository))
        throw new UserError(`artifact source ${JSON.stringify(source)}: not a repository path`);
      const dir = join(location.dir, 'artifacts', ...repository.split('/'));
      try {
        return await OciLayoutStore.open(dir, { create });
      } catch (e) {
        throw new UserError(
          `${location.spec}: the artifact from ${source} is not in ${dir} (${(e as Error).message})`,
        );
      }
    },
  };
}
