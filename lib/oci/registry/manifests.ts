/** Manifests on a registry: GET / HEAD / PUT by tag or digest, and the tag list. */
import { errorFromResponse, readBody, readText } from '../transport/body.js';
import { digestOf, isDigest, parseDigest } from '../digest.js';
import { OciError } from '../errors.js';
import { discard } from '../transport/http.js';
import { manifestMediaType, parseManifest } from '../manifest.js';
import { MANIFEST_MEDIA_TYPES, type Descriptor } from '../media-types.js';
import { isValidTag } from '../reference.js';
import type { RepoHandle } from './handle.js';
import type { ManifestResult } from '../store.js';

const ACCEPT = MANIFEST_MEDIA_TYPES.join(', ');

function checkReference(repo: RepoHandle, operation: string, reference: string): void {
  if (!isDigest(reference) && !isValidTag(reference)) {
    throw new OciError('invalid', repo.context(operation, reference), 'not a tag or digest');
  }
}

export async function getManifest(
  repo: RepoHandle,
  reference: string,
  maxSize = repo.settings.maxManifestSize,
): Promise<ManifestResult> {
  const context = repo.context('GET manifest', reference);
  checkReference(repo, context.operation, reference);
  const byDigest = isDigest(reference);
  return repo.transport.request(
    {
      method: 'GET',
      url: repo.url(`manifests/${reference}`),
      headers: { accept: ACCEPT },
      scopes: repo.pull,
      context,
    },
    async (res) => {
      if (res.status !== 200) throw await errorFromResponse(res, context);
      const bytes = await readBody(
        res,
        { maxSize, digest: byDigest ? reference : undefined },
        context,
      );
      const header = res.headers.get('docker-content-digest');
      const digest = byDigest ? reference : digestOf(bytes);
      if (!byDigest && header && parseDigest(header)?.algorithm === 'sha256' && header !== digest) {
        throw new OciError(
          'digest-mismatch',
          context,
          `registry says ${header}, content is ${digest}`,
        );
      }
      const manifest = parseManifest(bytes, context);
      const mediaType = manifestMediaType(manifest, res.headers.get('content-type'));
      const descriptor: Descriptor = { mediaType, digest, size: bytes.length };
      return { descriptor, bytes, etag: res.headers.get('etag') ?? undefined };
    },
  );
}

export async function headManifest(
  repo: RepoHandle,
  reference: string,
): Promise<Descriptor | undefined> {
  const context = repo.context('HEAD manifest', reference);
  checkReference(repo, context.operation, reference);
  const found = await repo.transport.request(
    {
      method: 'HEAD',
      url: repo.url(`manifests/${reference}`),
      headers: { accept: ACCEPT },
      scopes: repo.pull,
      context,
    },
    async (res) => {
      await discard(res);
      if (res.status === 404) return null;
      if (res.status !== 200) throw await errorFromResponse(res, context);
      const digest = res.headers.get('docker-content-digest') ?? '';
      const size = Number(res.headers.get('content-length') ?? NaN);
      const mediaType = res.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
      const complete = isDigest(digest) && Number.isSafeInteger(size) && mediaType !== '';
      if (complete && (!isDigest(reference) || reference === digest)) {
        return { mediaType, digest, size };
      }
      return undefined;
    },
  );
  if (found === null) return undefined;
  // A registry that leaves out a header gets a GET instead.
  return found ?? (await getManifest(repo, reference)).descriptor;
}

/** PUTs the bytes; `subjectProcessed` tells whether the registry answered `OCI-Subject`. */
export async function putManifest(
  repo: RepoHandle,
  bytes: Uint8Array,
  mediaType: string,
  reference: string,
  ifMatch?: string,
): Promise<{ descriptor: Descriptor; subjectProcessed: boolean }> {
  const context = repo.context('PUT manifest', reference);
  checkReference(repo, context.operation, reference);
  const digest = digestOf(bytes);
  if (isDigest(reference) && reference !== digest) {
    throw new OciError('digest-mismatch', context, `content is ${digest}`);
  }
  const headers: Record<string, string> = { 'content-type': mediaType };
  if (ifMatch) headers['if-match'] = ifMatch;
  return repo.transport.request(
    {
      method: 'PUT',
      url: repo.url(`manifests/${reference}`),
      headers,
      body: bytes,
      scopes: repo.push,
      context,
    },
    async (res) => {
      if (res.status !== 201) throw await errorFromResponse(res, context);
      await discard(res);
      const stored = res.headers.get('docker-content-digest');
      if (stored && parseDigest(stored)?.algorithm === 'sha256' && stored !== digest) {
        throw new OciError('digest-mismatch', context, `registry stored ${stored}, sent ${digest}`);
      }
      const descriptor = { mediaType, digest, size: bytes.length };
      return { descriptor, subjectProcessed: res.headers.get('oci-subject') !== null };
    },
  );
}

const MAX_TAG_PAGES = 10_000;

/** All tags, following `Link: <...>; rel="next"` from page to page. */
export async function listTags(repo: RepoHandle, pageSize?: number): Promise<string[]> {
  const context = repo.context('list tags');
  const tags: string[] = [];
  let url: string | undefined = repo.url(`tags/list${pageSize ? `?n=${pageSize}` : ''}`);
  const seen = new Set<string>();
  while (url) {
    if (seen.has(url) || seen.size >= MAX_TAG_PAGES) {
      throw new OciError('invalid', context, 'tag list pagination does not end');
    }
    seen.add(url);
    const page: { tags: string[]; next?: string } = await repo.transport.request(
      { method: 'GET', url, scopes: repo.pull, context },
      async (res) => {
        if (res.status !== 200) throw await errorFromResponse(res, context);
        let body: { tags?: unknown };
        try {
          body = JSON.parse(await readText(res, repo.settings.maxManifestSize)) as typeof body;
        } catch {
          throw new OciError('invalid', context, 'tag list is not JSON');
        }
        const list = Array.isArray(body.tags) ? body.tags.filter((t) => typeof t === 'string') : [];
        const next = nextLink(res.headers.get('link'));
        return {
          tags: list,
          next: next ? new URL(next, repo.transport.origin).toString() : undefined,
        };
      },
    );
    tags.push(...page.tags);
    url = page.next;
  }
  return tags;
}

/** The target of `rel="next"` in a Link header. */
export function nextLink(header: string | null): string | undefined {
  for (const part of (header ?? '').split(',')) {
    const m = /<([^>]*)>\s*;(.*)/.exec(part.trim());
    if (m && /\brel\s*=\s*"?next"?/i.test(m[2]!)) return m[1];
  }
  return undefined;
}
