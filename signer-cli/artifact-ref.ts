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
} from '../lib/oci/index.js';
import { UserError } from '../lib/errors.js';

/** An artifact reference, parsed once. */
export type ArtifactRef =
  | { kind: 'layout'; label: string; dir: string; reference: string }
  | {
      kind: 'registry';
      label: string;
      host: string;
      repository: string;
      reference: string;
      tag?: string;
    };

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

export function parseArtifactRef(artifact: string, cwd: string): ArtifactRef {
  if (artifact.startsWith('oci-layout:')) {
    const rest = artifact.slice('oci-layout:'.length);
    const at = rest.lastIndexOf('@');
    const colon = rest.lastIndexOf(':');
    const split = at >= 0 ? at : colon > rest.lastIndexOf('/') ? colon : -1;
    if (split < 0)
      throw new UserError(`${artifact}: expected oci-layout:DIR@sha256:… or oci-layout:DIR:TAG`);
    return {
      kind: 'layout',
      label: artifact,
      dir: resolve(cwd, rest.slice(0, split)),
      reference: rest.slice(split + 1),
    };
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
  return {
    kind: 'registry',
    label: artifact,
    host: ref.registry,
    repository: ref.repository,
    reference,
    ...(ref.tag ? { tag: ref.tag } : {}),
  };
}

export async function openArtifact(
  ref: ArtifactRef,
  access: (host: string) => Promise<RegistryOptions>,
): Promise<OpenedArtifact> {
  if (ref.kind === 'layout') {
    const store = await OciLayoutStore.open(ref.dir, { create: false }).catch((e: unknown) => {
      throw new UserError(`${ref.label}: ${(e as Error).message}`);
    });
    return { store, reference: ref.reference, label: ref.label };
  }
  const store = new RegistryClient(ref.host, await access(ref.host)).repository(ref.repository);
  const out: OpenedArtifact = {
    store,
    reference: ref.reference,
    label: ref.label,
    source: `${ref.host}/${ref.repository}`,
    repository: ref.repository,
  };
  if (ref.tag) out.tag = ref.tag;
  return out;
}
