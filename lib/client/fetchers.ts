/**
 * tuf-js fetchers for static trees: a local directory (`file://` base URLs) and HTTP(S).
 * Both hand tuf-js a stream, so TUF's length limits apply while reading, never after;
 * HTTP requests are bounded by a timeout. Failures are tufci errors naming the file.
 */
import { createReadStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { BaseFetcher } from 'tuf-js';
import { DownloadHTTPError } from 'tuf-js/dist/error.js';
import { NetworkError } from '../errors.js';

type Body = ReadableStream<Uint8Array<ArrayBuffer>>;

/** The file a URL names, for messages: its last path segment, decoded when possible. */
export function fileOfUrl(url: string): string {
  const last = url.replace(/\/+$/, '').split('/').pop() ?? url;
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

/** Reads a published tree from a local directory, given as a `file://` base URL. */
class DirFetcher extends BaseFetcher {
  override async fetch(url: string): Promise<Body> {
    const path = fileURLToPath(url);
    let isFile = false;
    try {
      isFile = statSync(path).isFile();
    } catch {
      isFile = false;
    }
    if (!isFile) throw new DownloadHTTPError(`${fileOfUrl(url)}: not found`, 404);
    return Readable.toWeb(createReadStream(path)) as Body;
  }
}

export function dirFetcher(): BaseFetcher {
  return new DirFetcher();
}

export function dirUrl(dir: string): string {
  return new URL(`file://${join(dir, '/')}`).href;
}

export interface HttpFetcherOptions {
  /** Milliseconds before a request (headers and body) is abandoned. Default 30 s. */
  timeoutMs?: number;
  userAgent?: string;
}

/** HTTP(S) through Node's fetch; a non-2xx answer is a DownloadHTTPError, as tuf-js expects. */
class HttpFetcher extends BaseFetcher {
  constructor(private readonly o: HttpFetcherOptions) {
    super();
  }

  override async fetch(url: string): Promise<Body> {
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { 'user-agent': this.o.userAgent ?? 'tufci' },
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 30_000),
        redirect: 'follow',
      });
    } catch (e) {
      throw new NetworkError(`${url}: ${describeNetworkError(e)}`, { cause: e });
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      throw new DownloadHTTPError(`${fileOfUrl(url)}: HTTP ${response.status}`, response.status);
    }
    return response.body as Body;
  }
}

export function httpFetcher(o: HttpFetcherOptions = {}): BaseFetcher {
  return new HttpFetcher(o);
}

function describeNetworkError(e: unknown): string {
  const err = e as Error & { cause?: { code?: string } };
  if (err?.name === 'TimeoutError') return 'timed out';
  const code = err?.cause?.code;
  return code ? `cannot connect (${code})` : `request failed (${err?.message ?? String(e)})`;
}
