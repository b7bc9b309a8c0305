/**
 * tuf-js fetchers for static trees: a local directory (`file://` base URLs) and HTTP(S).
 * Both count bytes while reading and stop at TUF's length limit (the stream is
 * cancelled: an endless body is never read past the limit, nor held open); an HTTP
 * request, headers and body, is bounded by a deadline, so a slow retrieval ends in a
 * refusal naming the file. Failures are tufci errors naming the file.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { BaseFetcher } from 'tuf-js';
import { DownloadHTTPError, DownloadLengthMismatchError } from 'tuf-js/dist/error.js';
import { NetworkError, NotVerifiedError } from '../errors.js';

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

/** Default deadline of one HTTP request, headers and body (`verify --timeout`). */
export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * A fetcher that reads at most `maxLength` bytes of any file: the count is checked as
 * each chunk arrives, and the source is cancelled as soon as it is exceeded.
 */
abstract class LimitedFetcher extends BaseFetcher {
  override async downloadFile<T>(
    url: string,
    maxLength: number,
    handler: (file: string) => Promise<T>,
  ): Promise<T> {
    const reader = (await this.fetch(url)).getReader();
    const dir = mkdtempSync(join(tmpdir(), 'tufci-fetch-'));
    try {
      const file = join(dir, 'download');
      const out = createWriteStream(file, { mode: 0o600 });
      let writeError: unknown;
      out.on('error', (e) => (writeError = e));
      let received = 0;
      try {
        for (;;) {
          const { done, value } = await reader.read().catch((e: unknown) => {
            throw this.readFailure(url, e);
          });
          if (done) break;
          received += value.length;
          if (received > maxLength)
            throw new DownloadLengthMismatchError(
              `more than the ${maxLength} bytes allowed (reading stopped there)`,
            );
          if (writeError) throw writeError;
          if (!out.write(value))
            await new Promise<void>((ok) => {
              out.once('drain', () => ok());
              out.once('error', () => ok());
            });
        }
      } catch (e) {
        await reader.cancel().catch(() => undefined);
        throw e;
      } finally {
        out.end();
        await finished(out).catch(() => undefined);
      }
      if (writeError) throw writeError;
      return await handler(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** The error for a body that failed while being read. */
  protected readFailure(_url: string, e: unknown): unknown {
    return e;
  }
}

/** Reads a published tree from a local directory, given as a `file://` base URL. */
class DirFetcher extends LimitedFetcher {
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
class HttpFetcher extends LimitedFetcher {
  constructor(private readonly o: HttpFetcherOptions) {
    super();
  }

  private get timeoutMs(): number {
    return this.o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  override async fetch(url: string): Promise<Body> {
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { 'user-agent': this.o.userAgent ?? 'tufci' },
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'follow',
      });
    } catch (e) {
      if (isTimeout(e)) throw this.slow(url, 'no answer');
      throw new NetworkError(`${url}: ${describeNetworkError(e)}`, { cause: e });
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      throw new DownloadHTTPError(`${fileOfUrl(url)}: HTTP ${response.status}`, response.status);
    }
    return response.body as Body;
  }

  protected override readFailure(url: string, e: unknown): unknown {
    return isTimeout(e) ? this.slow(url, 'the body was not complete') : e;
  }

  /** A slow retrieval: the deadline passed before the file was complete. */
  private slow(url: string, what: string): NotVerifiedError {
    const s = Math.round(this.timeoutMs / 100) / 10;
    return new NotVerifiedError(
      `${fileOfUrl(url)}: slow retrieval: ${what} within ${s} s (--timeout); refused`,
    );
  }
}

export function httpFetcher(o: HttpFetcherOptions = {}): BaseFetcher {
  return new HttpFetcher(o);
}

function isTimeout(e: unknown): boolean {
  for (let x = e, depth = 0; x && typeof x === 'object' && depth < 4; depth++) {
    if ((x as Error).name === 'TimeoutError') return true;
    x = (x as { cause?: unknown }).cause;
  }
  return false;
}

function describeNetworkError(e: unknown): string {
  const err = e as Error & { cause?: { code?: string } };
  const code = err?.cause?.code;
  return code ? `cannot connect (${code})` : `request failed (${err?.message ?? String(e)})`;
}
