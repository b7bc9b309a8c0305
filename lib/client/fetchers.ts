import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BaseFetcher } from 'tuf-js';
import { DownloadHTTPError } from 'tuf-js/dist/error.js';

/** A tuf-js fetcher over any byte source; a missing file answers 404 as tuf-js expects. */
export class SourceFetcher extends BaseFetcher {
  constructor(private readonly get: (url: string) => Promise<Uint8Array | undefined>) {
    super();
  }

  override async fetch(url: string): Promise<ReadableStream<Uint8Array<ArrayBuffer>>> {
    const bytes = await this.get(url);
    if (!bytes) throw new DownloadHTTPError(`not found: ${url}`, 404);
    const copy = new Uint8Array(bytes.byteLength);
    copy.set(bytes);
    return new ReadableStream({
      start(controller) {
        controller.enqueue(copy);
        controller.close();
      },
    });
  }
}

/** Reads a published tree from a local directory, given as a `file://` base URL. */
export function dirFetcher(): SourceFetcher {
  return new SourceFetcher(async (url) => {
    const path = fileURLToPath(url);
    return existsSync(path) ? readFileSync(path) : undefined;
  });
}

export function dirUrl(dir: string): string {
  return new URL(`file://${join(dir, '/')}`).href;
}
