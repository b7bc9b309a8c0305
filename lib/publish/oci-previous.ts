/**
 * What an earlier publish left in a TUF-on-OCI metadata repository: the `latest`
 * manifest, the role manifests and the target files their metadata lists. Since every
 * publish uploads targets and delegated metadata before `latest`, all of that is
 * known to be present. Only used to skip work; clients trust nothing read here.
 */
import {
  METADATA_TAG,
  OciError,
  TUF_FILENAME_ANNOTATION,
  findNamed,
  parseManifest,
  roleTag,
  type Descriptor,
  type OciStore,
} from '../oci/index.js';

export interface PublishedManifest {
  digest: string;
  layers: Descriptor[];
}

export interface PublishedState {
  /** The `latest` manifest, when there is one. */
  latest?: PublishedManifest;
  /** Delegated role manifests read, by role name. */
  roles: Map<string, PublishedManifest>;
  /** Versions the published snapshot names, by role (`targets`, delegated roles). */
  versions: Map<string, number>;
  /** Target files of the published metadata: target path → sha256 and length. */
  targets: Map<string, { sha256: string; length: number }>;
}

const MAX_METADATA = 512 * 1024 * 1024;

export function emptyState(): PublishedState {
  return { roles: new Map(), versions: new Map(), targets: new Map() };
}

async function readManifest(
  store: OciStore,
  reference: string,
): Promise<PublishedManifest | undefined> {
  let result;
  try {
    result = await store.getManifest(reference);
  } catch (e) {
    if (e instanceof OciError && e.kind === 'not-found') return undefined;
    throw e;
  }
  const manifest = parseManifest(result.bytes, { operation: 'read published state', reference });
  const layers = 'layers' in manifest && Array.isArray(manifest.layers) ? manifest.layers : [];
  return { digest: result.descriptor.digest, layers };
}

async function readSigned(
  store: OciStore,
  layer: Descriptor | undefined,
): Promise<Record<string, unknown> | undefined> {
  if (!layer) return undefined;
  const bytes = await store.getBlob(layer.digest, {
    expectedSize: layer.size,
    maxSize: MAX_METADATA,
  });
  const doc = JSON.parse(Buffer.from(bytes).toString('utf8')) as { signed?: unknown };
  return typeof doc.signed === 'object' && doc.signed !== null
    ? (doc.signed as Record<string, unknown>)
    : undefined;
}

function addTargets(state: PublishedState, signed: Record<string, unknown> | undefined): void {
  const targets = signed?.targets;
  if (typeof targets !== 'object' || targets === null) return;
  for (const [path, t] of Object.entries(targets as Record<string, unknown>)) {
    const info = t as { length?: unknown; hashes?: { sha256?: unknown }; custom?: unknown };
    const custom = info.custom as Record<string, unknown> | undefined;
    if (custom && typeof custom === 'object' && 'oci' in custom) continue;
    if (typeof info.hashes?.sha256 === 'string' && typeof info.length === 'number')
      state.targets.set(path, { sha256: info.hashes.sha256, length: info.length });
  }
}

/**
 * Reads the published state. A repository with no `latest` is empty. Parts that are
 * missing or unreadable are left out, so the publisher uploads (or checks) them again.
 */
export async function readPublished(store: OciStore): Promise<PublishedState> {
  const state = emptyState();
  const latest = await readManifest(store, METADATA_TAG);
  if (!latest) return state;
  state.latest = latest;
  try {
    const snapshotLayer = latest.layers.find((l) =>
      /^[0-9]+\.snapshot\.json$/.test(l.annotations?.[TUF_FILENAME_ANNOTATION] ?? ''),
    );
    const snapshot = await readSigned(store, snapshotLayer);
    const meta = (snapshot?.meta ?? {}) as Record<string, { version?: unknown }>;
    for (const [file, m] of Object.entries(meta)) {
      if (file.endsWith('.json') && typeof m.version === 'number')
        state.versions.set(file.slice(0, -'.json'.length), m.version);
    }
    const targetsVersion = state.versions.get('targets');
    if (targetsVersion !== undefined)
      addTargets(
        state,
        await readSigned(store, findNamed(latest.layers, `${targetsVersion}.targets.json`)),
      );
    for (const [role, version] of state.versions) {
      if (role === 'targets') continue;
      const manifest = await readManifest(store, roleTag(role));
      if (!manifest) continue;
      state.roles.set(role, manifest);
      addTargets(
        state,
        await readSigned(store, findNamed(manifest.layers, `${version}.${role}.json`)),
      );
    }
  } catch (e) {
    const unreadable =
      e instanceof SyntaxError ||
      (e instanceof OciError &&
        ['not-found', 'invalid', 'digest-mismatch', 'too-large'].includes(e.kind));
    if (!unreadable) throw e;
    // Whatever could not be read is checked again by the publisher.
    state.targets.clear();
  }
  return state;
}
