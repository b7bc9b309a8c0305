/**
 * Reading response bodies safely: Content-Length and a size limit checked before and
 * while reading, digests verified, files written via temp file + rename.
 */
import type { HttpResponse } from './node-fetch.js';
import { dirname, basename } from 'node:path';
import { streamInside } from '../../util/fs.js';
import { ContentCheckError, ContentVerifier } from '../digest.js';
import { OciError, kindForStatus, parseErrorBody, type OciErrorContext } from '../errors.js';
import { discard } from './http.js';

export interface ReadLimits {
  maxSize: number;
  /** The size the descriptor promised, if any. */
  expectedSize?: number;
  /** When given, the content must hash to it. */
  digest?: string;
}

/** Rejects early when Content-Length already breaks the limits. */
function checkContentLength(res: HttpResponse, limits: ReadLimits, context: OciErrorContext): void {
  const header = res.headers.get('content-length');
  if (header === null) return;
  const length = Number(header);
  if (length > limits.maxSize) {
    throw new OciError(
      'too-large',
      context,
      `Content-Length ${length} exceeds limit ${limits.maxSize}`,
    );
  }
  if (limits.expectedSize !== undefined && length !== limits.expectedSize) {
    throw new OciError(
      'digest-mismatch',
      context,
      `Content-Length ${length} differs from expected size ${limits.expectedSize}`,
    );
  }
}

async function* chunks(res: HttpResponse): AsyncGenerator<Uint8Array> {
  if (!res.body) return;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) yield chunk;
}

/** Reads the whole body into memory within the limits, verifying the digest if given. */
export async function readBody(
  res: HttpResponse,
  limits: ReadLimits,
  context: OciErrorContext,
): Promise<Uint8Array> {
  try {
    checkContentLength(res, limits, context);
  } catch (e) {
    await discard(res);
    throw e;
  }
  const verifier = limits.digest ? new ContentVerifier(limits.digest, limits) : undefined;
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of chunks(res)) {
      size += chunk.length;
      if (size > limits.maxSize)
        throw new ContentCheckError('too-large', `body exceeds ${limits.maxSize} bytes`);
      verifier?.update(chunk);
      parts.push(chunk);
    }
    verifier?.finish();
  } catch (e) {
    await discard(res);
    if (e instanceof ContentCheckError) throw new OciError(e.kind, context, e.message);
    throw e;
  }
  return Buffer.concat(parts, size);
}

/** Streams the body to `path` (temp file + rename), verifying size and digest before the rename. */
export async function readBodyToFile(
  res: HttpResponse,
  path: string,
  limits: ReadLimits & { digest: string },
  context: OciErrorContext,
): Promise<number> {
  checkContentLength(res, limits, context);
  const verifier = new ContentVerifier(limits.digest, limits);
  await streamInside(dirname(path), basename(path), async (file) => {
    try {
      for await (const chunk of chunks(res)) {
        verifier.update(chunk);
        await file.write(chunk);
      }
      verifier.finish();
    } catch (e) {
      await discard(res);
      if (e instanceof ContentCheckError) throw new OciError(e.kind, context, e.message);
      throw e;
    }
  });
  return verifier.size;
}

/** Reads a small text body (error bodies, JSON answers), cut at `maxSize`. */
export async function readText(res: HttpResponse, maxSize = 1 << 20): Promise<string> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks(res)) {
    parts.push(chunk);
    size += chunk.length;
    if (size > maxSize) {
      await discard(res);
      break;
    }
  }
  return Buffer.concat(parts).subarray(0, maxSize).toString('utf8');
}

/** The OciError for an unexpected response, with the registry's error codes; consumes the body. */
export async function errorFromResponse(
  res: HttpResponse,
  context: OciErrorContext,
  detail?: string,
): Promise<OciError> {
  const text = await readText(res, 64 * 1024).catch(() => '');
  const parsed = parseErrorBody(text);
  const why = [detail, parsed.message].filter(Boolean).join('; ') || undefined;
  return new OciError(
    kindForStatus(res.status),
    { ...context, status: res.status, codes: parsed.codes },
    why,
  );
}
