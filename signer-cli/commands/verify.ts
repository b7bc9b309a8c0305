import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dirFetcher, dirUrl } from '../../lib/client/fetchers.js';
import { verifyRepository } from '../../lib/client/verify.js';
import { UsageError, UserError } from '../../lib/errors.js';
import { isOciLocation, parseLocation, type Location } from '../../lib/location.js';
import type { Ctx } from '../context.js';
import { verifyOciArtifact, verifyOciRepository, type OciVerifyOpts } from '../oci-verify.js';

export interface VerifyOpts extends OciVerifyOpts {
  from?: string;
}

/** A static tree (`dir:` or `http(s)://`) as a TUF client sees it. */
async function verifyStatic(
  ctx: Ctx,
  from: Extract<Location, { kind: 'dir' | 'http' }>,
  o: VerifyOpts,
): Promise<void> {
  const rootFile = resolve(ctx.cwd, o.root ?? join('metadata', 'root_history', '1.root.json'));
  if (!existsSync(rootFile) || !statSync(rootFile).isFile())
    throw new UserError(`--root: ${rootFile} is not a file; pin a trusted root.json`);
  const trustedRoot = readFileSync(rootFile);
  const isDir = from.kind === 'dir';
  const base = isDir ? dirUrl(from.path) : from.url;
  const res = await verifyRepository({
    trustedRoot,
    metadataBaseUrl: base,
    targetBaseUrl: `${base}targets/`,
    workDir: mkdtempSync(join(tmpdir(), 'tufci-verify-')),
    fetcher: isDir ? dirFetcher() : undefined,
    targetPath: o.target,
    name: isDir ? `dir:${from.path}` : from.url,
  });
  ctx.out(`Repository verified (timestamp version ${res.timestampVersion}).`);
  if (res.target) {
    if (o.out) copyFileSync(res.target.file, resolve(ctx.cwd, o.out));
    ctx.out(
      `Target ${JSON.stringify(res.target.path)} verified: ${res.target.length} bytes, sha256 ${res.target.sha256}${o.out ? `, written to ${o.out}` : ''}.`,
    );
  }
}

/** `tufci verify`. */
export async function verifyCommand(
  ctx: Ctx,
  artifact: string | undefined,
  o: VerifyOpts,
): Promise<void> {
  const from =
    o.from === undefined ? undefined : parseLocation(o.from, { flag: '--from', cwd: ctx.cwd });
  if (artifact) return verifyOciArtifact(ctx, artifact, from, o);
  if (!from) throw new UsageError(`--from: name the published tree to verify`);
  if (isOciLocation(from)) return verifyOciRepository(ctx, from, o);
  return verifyStatic(ctx, from, o);
}
