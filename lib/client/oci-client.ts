/**
 * A TUF client session (tuf-js) over a TUF-on-OCI repository, with failures explained
 * in plain words. The metadata cache lives in `cacheDir`; keep it between runs and a
 * rollback to older metadata is refused.
 */
import { canonicalize } from '@tufjs/canonical-json';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Updater } from 'tuf-js';
import { verificationError } from './explain.js';
import { parseEnvelope } from '../tuf/envelope.js';
import { OCI_METADATA_URL, OCI_TARGETS_URL, OciFetcher, type OciSource } from './oci-fetcher.js';

export interface TufSession {
  updater: Updater;
  fetcher: OciFetcher;
  metadataDir: string;
  targetDir: string;
  timestampVersion: number;
}

export interface OpenSessionOptions {
  /** Pinned root.json bytes. */
  trustedRoot: Uint8Array;
  source: OciSource;
  /** Where the client keeps metadata between runs. */
  cacheDir: string;
  /** Names the repository in messages, e.g. `oci://127.0.0.1:5000/tuf`. */
  name: string;
}

/** Refreshes top-level metadata from the repository; a refusal is a NotVerifiedError. */
export async function openTufSession(o: OpenSessionOptions): Promise<TufSession> {
  const root = parseEnvelope(Buffer.from(o.trustedRoot).toString('utf8'), 'pinned root', 'root');
  const metadataDir = join(o.cacheDir, 'metadata');
  const targetDir = join(o.cacheDir, 'targets');
  mkdirSync(metadataDir, { recursive: true });
  mkdirSync(targetDir, { recursive: true });
  writeFileSync(join(metadataDir, 'root.json'), o.trustedRoot);
  const fetcher = new OciFetcher(o.source);
  const updater = new Updater({
    metadataDir,
    metadataBaseUrl: OCI_METADATA_URL,
    targetDir,
    targetBaseUrl: OCI_TARGETS_URL,
    fetcher,
  });
  try {
    await updater.refresh();
  } catch (e) {
    const rootNote = await rootMismatch(fetcher, root.signed.version, root.signed).catch(
      () => undefined,
    );
    throw verificationError(e, o.name, rootNote);
  }
  const ts = JSON.parse(readFileSync(join(metadataDir, 'timestamp.json'), 'utf8')) as {
    signed: { version: number };
  };
  return { updater, fetcher, metadataDir, targetDir, timestampVersion: ts.signed.version };
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
  } catch {
    return `the pinned root does not belong to this repository (it has no ${version}.root.json)`;
  }
  const published = (JSON.parse(bytes.toString('utf8')) as { signed?: unknown }).signed;
  if (canonicalize(published) === canonicalize(pinned)) return undefined;
  return `the pinned root does not match this repository's ${version}.root.json (another repository's root, or the wrong repository)`;
}
