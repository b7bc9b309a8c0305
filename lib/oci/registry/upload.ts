/**
 * Pushing a blob to a registry: skipped when present, mounted from another repository
 * when asked, else POST + PUT (monolithic) or POST + PATCH chunks + PUT. A failed chunk
 * resumes from the offset the registry reports, or the upload starts over.
 */
import type { HttpResponse } from '../transport/node-fetch.js';
import type { BlobSource } from '../blob-source.js';
import { errorFromResponse } from '../transport/body.js';
import { OciError, type OciErrorContext } from '../errors.js';
import { discard } from '../transport/http.js';
import { statBlob } from './blobs.js';
import type { RepoHandle } from './handle.js';
import { isRetryableStatus } from '../transport/retry-policy.js';

const OCTET_STREAM = 'application/octet-stream';

/**
 * Uploads `source`, whose digest the caller computed, unless the registry has it already.
 * Returns false when the registry had it (nothing was sent), true when uploaded or mounted.
 */
export async function uploadBlob(
  repo: RepoHandle,
  source: BlobSource,
  digest: string,
  mountFrom?: string,
  assumeAbsent = false,
): Promise<boolean> {
  const transport = repo.transport;
  for (let attempt = 1; ; attempt++) {
    try {
      if ((attempt > 1 || !assumeAbsent) && (await statBlob(repo, digest))) return false;
      const location = await startUpload(repo, digest, mountFrom);
      if (location === undefined) return true;
      if (source.size <= repo.settings.monolithicLimit) {
        await finishUpload(repo, location, digest, await source.read(0, source.size));
      } else {
        const last = await sendChunks(repo, source, location, digest);
        await finishUpload(repo, last, digest, new Uint8Array(0));
      }
      return true;
    } catch (e) {
      if (!canRestart(e) || attempt >= transport.maxAttempts) throw e;
      await transport.wait(
        attempt,
        `upload of ${digest} to ${repo.name} failed (${(e as Error).message})`,
      );
    }
  }
}

/**
 * Mounts `digest` from `from` (same registry) without sending it. True when the registry
 * mounted it (201); false when it opened an upload instead (202: the session is
 * cancelled) or refused access to the source repository.
 */
export async function mountBlob(repo: RepoHandle, digest: string, from: string): Promise<boolean> {
  if (from === repo.name) return (await statBlob(repo, digest)) !== undefined;
  const context = repo.context('mount blob', digest);
  const url = `${repo.url('blobs/uploads/')}?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`;
  const scopes = [...repo.push, `repository:${from}:pull`];
  let session: string | undefined;
  try {
    const mounted = await repo.transport.request(
      { method: 'POST', url, scopes, context },
      async (res) => {
        if (res.status !== 201 && res.status !== 202) throw await errorFromResponse(res, context);
        await discard(res);
        if (res.status === 201) return true;
        session = locationOf(res, context, url);
        return false;
      },
    );
    if (mounted) return true;
  } catch (e) {
    if (e instanceof OciError && (e.kind === 'unauthorized' || e.kind === 'denied')) return false;
    throw e;
  }
  if (session) await cancelUpload(repo, session, digest);
  return false;
}

/** Best effort: a registry drops an idle upload session by itself anyway. */
async function cancelUpload(repo: RepoHandle, location: string, digest: string): Promise<void> {
  const context = repo.context('cancel blob upload', digest);
  await repo.transport
    .request({ method: 'DELETE', url: location, scopes: repo.push, retry: false, context }, (res) =>
      discard(res),
    )
    .catch(() => undefined);
}

function canRestart(e: unknown): boolean {
  if (!(e instanceof OciError)) return false;
  return e.kind === 'network' || (e.status !== undefined && isRetryableStatus(e.status));
}

/** Opens an upload session; returns its URL, or undefined when the blob was mounted. */
async function startUpload(
  repo: RepoHandle,
  digest: string,
  mountFrom?: string,
): Promise<string | undefined> {
  const context = repo.context('start blob upload', digest);
  let url = repo.url('blobs/uploads/');
  let scopes = repo.push;
  if (mountFrom && mountFrom !== repo.name) {
    url += `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(mountFrom)}`;
    scopes = [...repo.push, `repository:${mountFrom}:pull`];
  }
  return repo.transport.request({ method: 'POST', url, scopes, context }, async (res) => {
    if (res.status === 201) {
      await discard(res);
      return undefined;
    }
    if (res.status !== 202) throw await errorFromResponse(res, context);
    await discard(res);
    return locationOf(res, context, url);
  });
}

function locationOf(res: HttpResponse, context: OciErrorContext, base: string): string {
  const location = res.headers.get('location');
  if (!location)
    throw new OciError('invalid', { ...context, status: res.status }, 'no upload Location');
  return new URL(location, base).toString();
}

/** PATCHes the chunks in order; returns the session URL for the closing PUT. */
async function sendChunks(
  repo: RepoHandle,
  source: BlobSource,
  location: string,
  digest: string,
): Promise<string> {
  const context = repo.context('upload blob chunk', digest);
  let offset = 0;
  for (let failures = 0; offset < source.size;) {
    const length = Math.min(repo.settings.chunkSize, source.size - offset);
    const chunk = await source.read(offset, length);
    try {
      location = await repo.transport.request(
        {
          method: 'PATCH',
          url: location,
          headers: {
            'content-type': OCTET_STREAM,
            'content-range': `${offset}-${offset + length - 1}`,
          },
          body: chunk,
          scopes: repo.push,
          retry: false,
          context,
        },
        async (res) => {
          if (res.status !== 202) throw await errorFromResponse(res, context);
          await discard(res);
          return locationOf(res, context, location);
        },
      );
      offset += length;
    } catch (e) {
      const resumable = canRestart(e) || (e instanceof OciError && e.status === 416);
      if (!resumable || ++failures >= repo.transport.maxAttempts) throw e;
      await repo.transport.wait(failures, `chunk at ${offset} of ${digest} failed`);
      const status = await uploadStatus(repo, location, digest);
      if (status) {
        ({ location, offset } = status);
      } else {
        const fresh = await startUpload(repo, digest);
        if (fresh === undefined) throw e;
        location = fresh;
        offset = 0;
      }
    }
  }
  return location;
}

/** Where an interrupted upload stands, or undefined when the session is gone. */
async function uploadStatus(
  repo: RepoHandle,
  location: string,
  digest: string,
): Promise<{ location: string; offset: number } | undefined> {
  const context = repo.context('get blob upload status', digest);
  return repo.transport.request(
    { method: 'GET', url: location, scopes: repo.push, context },
    async (res) => {
      await discard(res);
      if (res.status !== 204) return undefined;
      const range = /^(?:bytes=)?0-(\d+)$/.exec(res.headers.get('range') ?? '');
      const end = range ? Number(range[1]) : -1;
      // Distribution reports "0-0" for an empty upload.
      const offset = end > 0 ? end + 1 : 0;
      const next = res.headers.get('location');
      return { location: next ? new URL(next, location).toString() : location, offset };
    },
  );
}

/** Closes the session with `PUT ?digest=`, with the last (or only) bytes as the body. */
async function finishUpload(
  repo: RepoHandle,
  location: string,
  digest: string,
  body: Uint8Array,
): Promise<void> {
  const context = repo.context('finish blob upload', digest);
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  await repo.transport.request(
    {
      method: 'PUT',
      url: url.toString(),
      headers: { 'content-type': OCTET_STREAM },
      body,
      scopes: repo.push,
      context,
    },
    async (res) => {
      if (res.status === 201) {
        const got = res.headers.get('docker-content-digest');
        await discard(res);
        if (got && got !== digest) {
          throw new OciError('digest-mismatch', context, `registry stored ${got}`);
        }
        return;
      }
      // A retried PUT finds the session closed by the first, successful one.
      if (res.status === 404 && (await statBlob(repo, digest))) {
        await discard(res);
        return;
      }
      throw await errorFromResponse(res, context);
    },
  );
}
