/**
 * A TUF client session (tuf-js) over a TUF-on-OCI repository, with failures explained
 * in plain words. The metadata cache lives in `cacheDir`; keep it between runs and a
 * rollback to older metadata is refused.
 */
import { canonicalize } from '@tufjs/canonical-json';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DownloadHTTPError } from 'tuf-js/dist/error.js';
import { verificationError } from './explain.js';
import { parseEnvelope } from '../tuf/envelope.js';
import { OCI_METADATA_URL, OCI_TARGETS_URL, OciFetcher, type OciSource } from './oci-fetcher.js';
import { initTrust } from './trust-dir.js';
import { TufClient } from './tuf-client.js';

export interface TufSession {
  /** tufci's TUF client (tuf-js underneath, tufci's own delegation lookup). */
  updater: TufClient;
  fetcher: OciFetcher;
  /** The trusted metadata directory (the cache directory itself). */
  metadataDir: string;
  targetDir: string;
  timestampVersion: number;
}

export interface OpenSessionOptions {
  /** Pinned root.json bytes; seed the cache when it has no trusted root yet. */
  trustedRoot: Uint8Array;
  source: OciSource;
  /** Where the client keeps its trusted metadata between runs (root.json, timestamp.json, …). */
  cacheDir: string;
  /** Names the repository in messages, e.g. `oci://127.0.0.1:5000/tuf`. */
  name: string;
  /** Reference time for delegated roles' expiry. */
  now: Date;
}

/** Refreshes top-level metadata from the repository; throws NotVerifiedError with the reason. */
export async function openTufSession(o: OpenSessionOptions): Promise<TufSession> {
  const root = parseEnvelope(Buffer.from(o.trustedRoot).toString('utf8'), 'pinned root', 'root');
  const metadataDir = o.cacheDir;
  initTrust(metadataDir, o.trustedRoot);
  const targetDir = mkdtempSync(join(tmpdir(), 'tufci-oci-targets-'));
  const fetcher = new OciFetcher(o.source);
  let client: TufClient;
  try {
    client = new TufClient({
      metadataDir,
      metadataBaseUrl: OCI_METADATA_URL,
      targetBaseUrl: OCI_TARGETS_URL,
      fetcher,
      now: o.now,
    });
    await client.refresh();
  } catch (e) {
    const rootNote = await rootMismatch(fetcher, root.signed.version, root.signed).catch(
      () => undefined,
    );
    throw verificationError(e, o.name, rootNote);
  }
  return {
    updater: client,
    fetcher,
    metadataDir,
    targetDir,
    timestampVersion: client.version('timestamp'),
  };
}

/** Says so when the repository's root of the pinned version is not the pinned root. */
async function rootMismatch(
  fetcher: OciFetcher,
  version: number,
  pinned: unknown,
): Promise<string | undefined> {
  let bytes: Buffer;
  try {
    bytes = await fetcher.downloadBytes(`${OCI_METADATA_URL}${version}.root.json`, 1 << 22);
  } catch (e) {
    // only an answer that it is not there says so (a slow or failing fetch says nothing)
    if (!(e instanceof DownloadHTTPError)) return undefined;
    return `the pinned root does not belong to this repository (it has no ${version}.root.json)`;
  }
  const published = (JSON.parse(bytes.toString('utf8')) as { signed?: unknown }).signed;
  if (canonicalize(published) === canonicalize(pinned)) return undefined;
  return `the pinned root does not match this repository's ${version}.root.json (another repository's root, or the wrong repository)`;
}
