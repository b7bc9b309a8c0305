/** Shared checks of the movement tests. */
import type { Descriptor, OciStore } from '../../lib/oci/index.js';

/**
 * What the tags of `store` name that the store does not hold: child manifests of an
 * index, configs and layers, walked from every tag. Empty when a client reading any tag
 * finds everything it names.
 */
export async function missingContent(store: OciStore): Promise<string[]> {
  const missing: string[] = [];
  const walk = async (ref: string, from: string): Promise<void> => {
    const m = await store.getManifest(ref).catch(() => undefined);
    if (!m) return void missing.push(`${from}: manifest ${ref}`);
    const doc = JSON.parse(Buffer.from(m.bytes).toString('utf8')) as {
      manifests?: Descriptor[];
      config?: Descriptor;
      layers?: Descriptor[];
    };
    for (const child of doc.manifests ?? []) await walk(child.digest, `${from} > ${ref}`);
    for (const blob of [...(doc.config ? [doc.config] : []), ...(doc.layers ?? [])])
      if (!(await store.hasBlob(blob.digest))) missing.push(`${from}: blob ${blob.digest}`);
  };
  for (const tag of await store.listTags().catch(() => [])) await walk(tag, tag);
  return missing;
}
