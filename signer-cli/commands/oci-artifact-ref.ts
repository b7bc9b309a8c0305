/**
 * Artifact references the OCI commands take: `oci://HOST/REPO@sha256:…` or `:TAG` (the
 * `oci://` may be left out), and `oci-layout:DIR@sha256:…` or `oci-layout:DIR:TAG`.
 */
import { resolve } from 'node:path';
import {
  OciLayoutStore,
  RegistryClient,
  parseReference,
  type OciStore,
  type RegistryOptions,
} from '../../lib/oci/index.js';
import { UserError } from '../../lib/errors.js';
import type { Ctx } from '../context.js';

export interface OpenedArtifact {
  store: OciStore;
  /** The tag or digest to read. */
  reference: string;
  /** The reference as the user wrote it, for messages. */
  label: string;
  /** `HOST/REPO` for registry artifacts. */
  source?: string;
  tag?: string;
  repository?: string;
}

export async function openArtifact(
  ctx: Ctx,
  artifact: string,
  access: (host: string) => Promise<RegistryOptions>,
): Promise<OpenedArtifact> {
  if (artifact.startsWith('oci-layout:')) {
    const rest = artifact.slice('oci-layout:'.length);
    const at = rest.lastIndexOf('@');
    const colon = rest.lastIndexOf(':');
    const split = at >= 0 ? at : colon > rest.lastIndexOf('/') ? colon : -1;
    if (split < 0)
      throw new UserError(`${artifact}: expected oci-layout:DIR@sha256:… or oci-layout:DIR:TAG`);
    const store = await OciLayoutStore.open(resolve(ctx.cwd, rest.slice(0, split)), {
      create: false,
    }).catch((e: unknown) => {
      throw new UserError(`${artifact}: ${(e as Error).message}`);
    });
    return { store, reference: rest.slice(split + 1), label: artifact };
  }
  const plain = artifact.replace(/^oci:\/\//, '');
  let ref;
  try {
    ref = parseReference(plain);
  } catch (e) {
    throw new UserError(`${artifact}: ${(e as Error).message}`);
  }
  const reference = ref.digest ?? ref.tag;
  if (!reference) throw new UserError(`${artifact}: name the artifact by @sha256:… or :TAG`);
  const store = new RegistryClient(ref.registry, await access(ref.registry)).repository(
    ref.repository,
  );
  const out: OpenedArtifact = {
    store,
    reference,
    label: artifact,
    source: `${ref.registry}/${ref.repository}`,
    repository: ref.repository,
  };
  if (ref.tag) out.tag = ref.tag;
  return out;
}
