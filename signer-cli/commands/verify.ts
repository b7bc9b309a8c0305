import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dirFetcher, dirUrl, httpFetcher } from '../../lib/client/fetchers.js';
import { requireRoot } from '../../lib/client/trust-dir.js';
import { verifyRepository } from '../../lib/client/verify.js';
import { formatChains } from '../../lib/client/chains.js';
import { UsageError, UserError } from '../../lib/errors.js';
import { isOciLocation, parseLocation } from '../../lib/location.js';
import { writeUserFile } from '../../lib/util/fs.js';
import type { Ctx } from '../context.js';
import type { OciVerifyOpts } from '../oci-verify.js';
import { timeoutMs } from '../timeout.js';
import { trustDirFor } from '../trust-cache.js';

export interface VerifyOpts extends OciVerifyOpts {
  from?: string;
  metadataUrl?: string;
  targetsUrl?: string;
}

/** Where the metadata and targets of a static tree are, and how to read them. */
interface StaticSource {
  /** Names the source in messages and keys its default trust directory. */
  name: string;
  metadataUrl: string;
  targetsUrl: string;
  local: boolean;
}

/** `file://` and `http(s)://` URLs (a directory path is taken as a directory). */
function sourceUrl(ctx: Ctx, text: string, flag: string): { url: string; local: boolean } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { url: dirUrl(resolve(ctx.cwd, text.replace(/^dir:/, ''))), local: true };
  }
  if (url.protocol === 'file:') return { url: url.href.replace(/\/?$/, '/'), local: true };
  if (url.protocol === 'http:' || url.protocol === 'https:')
    return { url: url.href.replace(/\/?$/, '/'), local: false };
  throw new UsageError(`${flag} "${text}": use an http(s):// or file:// URL, or a directory`);
}

function staticSource(ctx: Ctx, o: VerifyOpts): StaticSource | undefined {
  if (o.metadataUrl !== undefined) {
    if (o.from !== undefined)
      throw new UsageError('--from and --metadata-url name the same thing: give one of them');
    const meta = sourceUrl(ctx, o.metadataUrl, '--metadata-url');
    // Default: targets beside metadata (python-tuf's and RSTUF's layout, URL/../targets/).
    const targets =
      o.targetsUrl !== undefined
        ? sourceUrl(ctx, o.targetsUrl, '--targets-url')
        : { url: new URL('../targets/', meta.url).href, local: meta.local };
    if (targets.local !== meta.local)
      throw new UsageError('--metadata-url and --targets-url: both local or both http(s)');
    return {
      name: meta.url,
      metadataUrl: meta.url,
      targetsUrl: targets.url,
      local: meta.local,
    };
  }
  if (o.targetsUrl !== undefined) throw new UsageError('--targets-url goes with --metadata-url');
  return undefined;
}

/** A static tree (`--from dir:`/`http(s)://`, or `--metadata-url`) as a TUF client sees it. */
async function verifyStatic(ctx: Ctx, src: StaticSource, o: VerifyOpts): Promise<void> {
  let pinned: Buffer | undefined;
  const rootFile = resolve(ctx.cwd, o.root ?? join('metadata', 'root_history', '1.root.json'));
  if (existsSync(rootFile) && statSync(rootFile).isFile()) pinned = readFileSync(rootFile);
  else if (o.root !== undefined)
    throw new UserError(`--root: ${rootFile} is not a file; pin a trusted root.json`);
  const trustDir = trustDirFor(ctx, o, src.name, pinned);
  const trustedRoot = requireRoot(trustDir, pinned, '--root');
  const res = await verifyRepository({
    trustedRoot,
    metadataBaseUrl: src.metadataUrl,
    targetBaseUrl: src.targetsUrl,
    trustDir,
    // targets are kept beside the trusted metadata: a warm lookup downloads timestamp.json only
    targetDir: join(trustDir, 'targets'),
    fetcher: src.local ? dirFetcher() : httpFetcher({ timeoutMs: timeoutMs(o) }),
    targetPath: o.target,
    now: ctx.now(),
    chains: true,
    requireOrigin: o.requireOrigin === true,
  });
  ctx.out(`Repository verified (timestamp version ${res.timestampVersion}).`);
  if (res.target) {
    if (o.out) writeUserFile(resolve(ctx.cwd, o.out), { copyOf: res.target.file });
    ctx.out(
      `Target ${JSON.stringify(res.target.path)} verified: ${res.target.length} bytes, sha256 ${res.target.sha256}${o.out ? `, written to ${o.out}` : ''}.`,
    );
    for (const line of formatChains(res.target.path, res.target.chains ?? [])) ctx.out(line);
  }
}

/** `tufci verify`. */
export async function verifyCommand(
  ctx: Ctx,
  artifact: string | undefined,
  o: VerifyOpts,
): Promise<void> {
  if (o.requireOrigin && !artifact && o.target === undefined)
    throw new UsageError('--require-origin checks a target: name an artifact or --target');
  const src = staticSource(ctx, o);
  if (src) {
    if (artifact) throw new UsageError('an artifact is verified from --from oci://HOST/REPO');
    return verifyStatic(ctx, src, o);
  }
  const from =
    o.from === undefined ? undefined : parseLocation(o.from, { flag: '--from', cwd: ctx.cwd });
  // the OCI client (registries, image layouts) is loaded only for OCI sources
  if (artifact) {
    await (await import('../oci-verify.js')).verifyOciArtifact(ctx, artifact, from, o);
    return;
  }
  if (!from) throw new UsageError(`--from or --metadata-url: name the repository to verify`);
  if (isOciLocation(from))
    return (await import('../oci-verify.js')).verifyOciRepository(ctx, from, o);
  const base = from.kind === 'dir' ? dirUrl(from.path) : from.url;
  return verifyStatic(
    ctx,
    {
      name: base,
      metadataUrl: base,
      targetsUrl: `${base}targets/`,
      local: from.kind === 'dir',
    },
    o,
  );
}
