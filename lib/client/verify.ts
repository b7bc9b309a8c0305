import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Updater } from 'tuf-js';
import type { Fetcher } from 'tuf-js';
import { UserError } from '../errors.js';
import { verificationError } from './explain.js';
import { parseEnvelope } from '../tuf/envelope.js';

export interface VerifyOptions {
  /** Trusted root.json bytes, pinned out of band. */
  trustedRoot: Uint8Array;
  metadataBaseUrl: string;
  targetBaseUrl: string;
  /** Where the client keeps its metadata cache and downloads. */
  workDir: string;
  fetcher?: Fetcher;
  /** Names the repository in messages (default: the metadata URL). */
  name?: string;
  /** Target to download and check; none: only refresh the metadata. */
  targetPath?: string;
}

export interface VerifyResult {
  timestampVersion?: number;
  /** Expiry of each top-level role the client trusted, from its metadata cache. */
  expires: Record<string, string>;
  target?: {
    path: string;
    length: number;
    sha256: string;
    file: string;
    custom?: Record<string, unknown>;
  };
}

/** Runs a TUF client update (tuf-js) against a published repository and downloads one target. */
export async function verifyRepository(o: VerifyOptions): Promise<VerifyResult> {
  parseEnvelope(Buffer.from(o.trustedRoot).toString('utf8'), 'trusted root', 'root');
  const metadataDir = join(o.workDir, 'metadata');
  const targetDir = join(o.workDir, 'targets');
  mkdirSync(metadataDir, { recursive: true });
  mkdirSync(targetDir, { recursive: true });
  writeFileSync(join(metadataDir, 'root.json'), o.trustedRoot);
  const result: VerifyResult = { expires: {} };
  try {
    // inside the try: the constructor already checks the trusted root's signatures
    const updater = new Updater({
      metadataDir,
      metadataBaseUrl: o.metadataBaseUrl,
      targetDir,
      targetBaseUrl: o.targetBaseUrl,
      ...(o.fetcher ? { fetcher: o.fetcher } : {}),
    });
    await updater.refresh();
    const ts = JSON.parse(readFileSync(join(metadataDir, 'timestamp.json'), 'utf8')) as {
      signed: { version: number };
    };
    result.timestampVersion = ts.signed.version;
    for (const role of ['root', 'timestamp', 'snapshot', 'targets']) {
      const md = JSON.parse(readFileSync(join(metadataDir, `${role}.json`), 'utf8')) as {
        signed: { expires: string };
      };
      result.expires[role] = md.signed.expires;
    }
    if (o.targetPath) {
      const info = await updater.getTargetInfo(o.targetPath);
      if (!info)
        throw new UserError(
          `target "${o.targetPath}": not found in the repository's signed metadata`,
        );
      const file = join(targetDir, createHash('sha256').update(o.targetPath).digest('hex'));
      await updater.downloadTarget(info, file);
      result.target = {
        path: o.targetPath,
        length: info.length,
        sha256: info.hashes.sha256 ?? '',
        file,
        custom: info.custom as Record<string, unknown>,
      };
    }
  } catch (e) {
    throw verificationError(e, o.name ?? o.metadataBaseUrl);
  }
  return result;
}
