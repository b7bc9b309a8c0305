/**
 * Referrers on a registry: the 1.1 referrers API where the registry has it, else the
 * fallback tag `sha256-<hex>`, an OCI index kept free of duplicates and updated with
 * `If-Match` on the ETag it had when read.
 */
import { errorFromResponse, readText } from '../transport/body.js';
import { OciError } from '../errors.js';
import { manifestMediaType, encodeJson, parseManifest } from '../manifest.js';
import { MEDIA_TYPE, type Descriptor, type ImageIndex } from '../media-types.js';
import { referrersTag } from '../reference.js';
import { addReferrer, filterReferrers } from '../referrers.js';
import type { RepoHandle } from './handle.js';
import { getManifest, nextLink, putManifest } from './manifests.js';

/** Referrers from `GET /v2/<name>/referrers/<digest>`, or undefined when the registry has no such API (404). */
export async function referrersFromApi(
  repo: RepoHandle,
  digest: string,
  artifactType?: string,
): Promise<Descriptor[] | undefined> {
  const context = repo.context('GET referrers', digest);
  const query = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
  let url: string | undefined = repo.url(`referrers/${digest}${query}`);
  const all: Descriptor[] = [];
  for (let pages = 0; url; pages++) {
    if (pages >= 1000) throw new OciError('invalid', context, 'referrers pagination does not end');
    const page: { list: Descriptor[]; next?: string } | undefined = await repo.transport.request(
      {
        method: 'GET',
        url,
        headers: { accept: MEDIA_TYPE.imageIndex },
        scopes: repo.pull,
        context,
      },
      async (res) => {
        if (res.status === 404 && pages === 0) {
          await readText(res, 4096).catch(() => '');
          return undefined;
        }
        if (res.status !== 200) throw await errorFromResponse(res, context);
        const index = parseManifest(
          Buffer.from(await readText(res, repo.settings.maxManifestSize)),
          context,
        );
        const list = 'manifests' in index && Array.isArray(index.manifests) ? index.manifests : [];
        const next = nextLink(res.headers.get('link'));
        return { list, next: next ? new URL(next, repo.transport.origin).toString() : undefined };
      },
    );
    if (!page) return undefined;
    all.push(...page.list);
    url = page.next;
  }
  // Filter again: a registry may ignore the artifactType filter (no OCI-Filters-Applied).
  return filterReferrers(all, artifactType);
}

/** The fallback tag's index and ETag, or an undefined index when the tag does not exist. */
async function readFallback(
  repo: RepoHandle,
  subject: string,
): Promise<{ index?: ImageIndex; etag?: string }> {
  try {
    const { bytes, etag } = await getManifest(repo, referrersTag(subject));
    const context = repo.context('read referrers tag', referrersTag(subject));
    const manifest = parseManifest(bytes, context);
    if (!('manifests' in manifest) || !Array.isArray(manifest.manifests)) {
      throw new OciError(
        'invalid',
        context,
        `tag holds ${manifestMediaType(manifest)}, not an index`,
      );
    }
    return { index: manifest, etag };
  } catch (e) {
    if (e instanceof OciError && e.kind === 'not-found') return {};
    throw e;
  }
}

export async function referrersFromFallbackTag(
  repo: RepoHandle,
  subject: string,
  artifactType?: string,
): Promise<Descriptor[]> {
  const { index } = await readFallback(repo, subject);
  return filterReferrers(index?.manifests ?? [], artifactType);
}

const MAX_TAG_UPDATES = 5;

/** Lists `referrer` in the fallback tag of `subject`, unless it is listed already. */
export async function addToFallbackTag(
  repo: RepoHandle,
  subject: string,
  referrer: Descriptor,
): Promise<void> {
  const tag = referrersTag(subject);
  for (let attempt = 1; ; attempt++) {
    const { index, etag } = await readFallback(repo, subject);
    const updated = addReferrer(index, referrer);
    if (!updated) return;
    try {
      await putManifest(
        repo,
        encodeJson(updated),
        MEDIA_TYPE.imageIndex,
        tag,
        index ? etag : undefined,
      );
      return;
    } catch (e) {
      // Someone else changed the tag since we read it: read again and merge again.
      if (
        !(e instanceof OciError && e.kind === 'precondition-failed') ||
        attempt >= MAX_TAG_UPDATES
      ) {
        throw e;
      }
      await repo.transport.wait(attempt, `${repo.name}:${tag} changed while being updated`);
    }
  }
}
