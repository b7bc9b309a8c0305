/** Reading blobs from a registry: HEAD, GET into memory, GET streamed to a file. */
import type { HttpResponse } from '../transport/node-fetch.js';
import { errorFromResponse, readBody, readBodyToFile } from '../transport/body.js';
import type { ReadLimits } from '../transport/body.js';
import { isDigest } from '../digest.js';
import { OciError } from '../errors.js';
import { discard } from '../transport/http.js';
import type { Descriptor } from '../media-types.js';
import type { RepoHandle } from './handle.js';
import type { BlobReadOptions } from '../store.js';

const OCTET_STREAM = 'application/octet-stream';

function checkDigest(repo: RepoHandle, operation: string, digest: string): void {
  if (!isDigest(digest))
    throw new OciError('invalid', repo.context(operation, digest), 'not a digest');
}

export async function statBlob(repo: RepoHandle, digest: string): Promise<Descriptor | undefined> {
  const context = repo.context('HEAD blob', digest);
  checkDigest(repo, context.operation, digest);
  return repo.transport.request(
    { method: 'HEAD', url: repo.url(`blobs/${digest}`), scopes: repo.pull, context },
    async (res) => {
      await discard(res);
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw await errorFromResponse(res, context);
      const size = Number(res.headers.get('content-length') ?? NaN);
      if (!Number.isSafeInteger(size) || size < 0) {
        throw new OciError('invalid', context, 'registry gave no Content-Length');
      }
      return { mediaType: OCTET_STREAM, digest, size };
    },
  );
}

/** GETs a blob and hands the response to `read`, with the digest and size limits checked. */
function readBlob<T>(
  repo: RepoHandle,
  digest: string,
  options: BlobReadOptions,
  read: (
    res: HttpResponse,
    limits: ReadLimits & { digest: string },
    context: ReturnType<RepoHandle['context']>,
  ) => Promise<T>,
): Promise<T> {
  const context = repo.context('GET blob', digest);
  checkDigest(repo, context.operation, digest);
  const limits = { ...options, maxSize: options.maxSize ?? repo.settings.maxBlobSize, digest };
  return repo.transport.request(
    { method: 'GET', url: repo.url(`blobs/${digest}`), scopes: repo.pull, context },
    async (res) => {
      if (res.status !== 200) throw await errorFromResponse(res, context);
      return read(res, limits, context);
    },
  );
}

export function getBlob(
  repo: RepoHandle,
  digest: string,
  options: BlobReadOptions = {},
): Promise<Uint8Array> {
  return readBlob(repo, digest, options, (res, limits, context) => readBody(res, limits, context));
}

export function getBlobToFile(
  repo: RepoHandle,
  digest: string,
  path: string,
  options: BlobReadOptions = {},
): Promise<number> {
  return readBlob(repo, digest, options, (res, limits, context) =>
    readBodyToFile(res, path, limits, context),
  );
}
