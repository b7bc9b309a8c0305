/**
 * Verifies a published static tree (a directory or HTTP(S)) as a TUF client: refresh
 * the metadata from the trusted state kept in `trustDir`, then download and check the
 * targets asked for. The same code runs for `tufci verify`, the actions and the
 * conformance client.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fetcher } from 'tuf-js';
import { NotVerifiedError } from '../errors.js';
import { assessChains, requireOrigin, type ChainReport } from './chains.js';
import { httpFetcher } from './fetchers.js';
import { initTrust } from './trust-dir.js';
import { TufClient } from './tuf-client.js';
import { pathInside } from '../util/fs.js';

export interface VerifyOptions {
  /** Pinned root.json bytes; seeds `trustDir` when it holds no trusted root yet. */
  trustedRoot?: Uint8Array;
  metadataBaseUrl: string;
  targetBaseUrl: string;
  /** Trusted metadata (root.json, timestamp.json, …), kept between runs. */
  trustDir: string;
  /** Where targets are downloaded (a file per target, reused when still valid). */
  targetDir?: string;
  /** Default: HTTP(S) through Node's fetch. */
  fetcher?: Fetcher;
  /** Targets to download and check, in order; none: only refresh the metadata. */
  targetPaths?: string[];
  /** @deprecated one target; use targetPaths. */
  targetPath?: string;
  /** Reference time for delegated roles' expiry. */
  now: Date;
  /** Also report every chain of delegations that lists each target (see chains.ts). */
  chains?: boolean;
  /** Refuse a target no imported chain (`import-*`) signs alike (implies `chains`). */
  requireOrigin?: boolean;
}

interface VerifiedTarget {
  path: string;
  length: number;
  sha256: string;
  file: string;
  /** True when a file already in targetDir matched and nothing was downloaded. */
  cached: boolean;
  custom?: Record<string, unknown>;
  /** With `chains` or `requireOrigin`: every chain that lists it, and its status. */
  chains?: ChainReport[];
}

export interface VerifyResult {
  timestampVersion: number;
  /** Expiry of each top-level role the client trusted. */
  expires: Record<string, string>;
  targets: VerifiedTarget[];
  /** The first of `targets` (the single `targetPath`). */
  target?: VerifiedTarget;
}

/** The file a target is stored in under a target directory: one name per target path. */
function targetFileName(targetPath: string): string {
  return encodeURIComponent(targetPath);
}

/** Runs a TUF client update against a published repository and downloads its targets. */
export async function verifyRepository(o: VerifyOptions): Promise<VerifyResult> {
  if (o.trustedRoot) initTrust(o.trustDir, o.trustedRoot);
  const client = new TufClient({
    metadataDir: o.trustDir,
    metadataBaseUrl: o.metadataBaseUrl,
    targetBaseUrl: o.targetBaseUrl,
    fetcher: o.fetcher ?? httpFetcher(),
    now: o.now,
  });
  await client.refresh();
  const result: VerifyResult = {
    timestampVersion: client.version('timestamp'),
    expires: client.expires(),
    targets: [],
  };
  const paths = o.targetPaths ?? (o.targetPath !== undefined ? [o.targetPath] : []);
  if (paths.length === 0) return result;
  const targetDir = o.targetDir ?? mkdtempSync(join(tmpdir(), 'tufci-targets-'));
  mkdirSync(targetDir, { recursive: true });
  for (const path of paths) {
    const info = await client.getTargetInfo(path);
    if (!info)
      throw new NotVerifiedError(
        `target ${JSON.stringify(path)}: not found in the repository's signed metadata`,
      );
    // tuf-js writes the file; its name is checked to stay in the target directory first
    const file = pathInside(targetDir, targetFileName(path), 'target directory');
    const { cached } = await client.downloadTarget(info, file);
    const chains =
      o.chains || o.requireOrigin ? assessChains(await client.targetChains(path), info) : undefined;
    if (o.requireOrigin) requireOrigin(path, chains!);
    result.targets.push({
      path,
      length: info.length,
      sha256: info.hashes.sha256 ?? '',
      file,
      cached,
      custom: info.custom as Record<string, unknown>,
      ...(chains ? { chains } : {}),
    });
  }
  result.target = result.targets[0];
  return result;
}
