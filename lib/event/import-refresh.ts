/**
 * The refresh of imported roles (`import-<name>`, from `tufci copy --signatures original`):
 * each is brought up to the source's newer version, when that version verifies against
 * the delegation's keys and threshold (as a client checks it), is newer, unexpired and
 * still lists every copied name, and committed on the checked-out branch. No person signs
 * anything: the destination's signers signed the delegation. `tufci copy --refresh` and
 * the online-sign action (before it signs snapshot and timestamp) run it.
 */
import { NotVerifiedError, TufciError, withContext, type ErrorCode } from '../errors.js';
import { OCI_METADATA_URL, OciFetcher } from '../client/oci-fetcher.js';
import { Git } from '../git/git.js';
import { parseLocation, type OciLocationSpec } from '../location.js';
import type { RegistryOptions } from '../oci/index.js';
import { openOciLocation } from '../publish/oci-destination.js';
import { importedRoles, type ImportSource } from '../tuf/imported.js';
import { checkRoleName } from '../tuf/names.js';
import { RepoDir } from '../tuf/repo.js';
import { roleKeys } from '../tuf/roles.js';
import type { RootSigned, TargetsSigned } from '../tuf/types.js';
import { writeInside } from '../util/fs.js';
import { withRollback } from '../util/transaction.js';
import { checkRefresh } from './import.js';

const MAX_METADATA = 16 << 20;

export interface RefreshEnv {
  /** The destination repository's clone. */
  dir: string;
  env: Record<string, string | undefined>;
  now: Date;
  out(line: string): void;
  /** Registry options (credentials) for the hosts of a source repository. */
  registry(namedHosts: readonly string[]): (host: string) => Promise<RegistryOptions>;
}

export interface RefreshResult {
  /** False when the repository has no imported role. */
  any: boolean;
  /** `import-x vN` of each role brought up to date (committed). */
  refreshed: string[];
  /** One line per import that could not be refreshed (it keeps its version). */
  failures: string[];
  /** The error code for the failures: one kind keeps its code (network: 4), else not-verified. */
  code?: ErrorCode;
}

/** The source's current bytes of the role: timestamp and snapshot only say which version. */
async function sourceRoleBytes(e: RefreshEnv, src: ImportSource): Promise<Uint8Array> {
  checkRoleName(src.role, 'x-tufci-import role');
  const spec = parseLocation(src.repository, {
    flag: 'x-tufci-import repository',
    cwd: e.dir,
    accept: ['oci', 'oci-layout'],
  }) as OciLocationSpec;
  const access = e.registry(spec.kind === 'oci' ? [spec.host] : []);
  const fetcher = new OciFetcher(await openOciLocation(spec, { registry: access }));
  const json = async (file: string): Promise<{ signed?: { meta?: Record<string, unknown> } }> =>
    JSON.parse(
      (await fetcher.downloadBytes(`${OCI_METADATA_URL}${file}`, MAX_METADATA)).toString('utf8'),
    ) as { signed?: { meta?: Record<string, unknown> } };
  const version = (meta: Record<string, unknown> | undefined, name: string): number => {
    const v = (meta?.[name] as { version?: unknown } | undefined)?.version;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      throw new NotVerifiedError(`${src.repository}: lists no version of ${name}`);
    return v;
  };
  return withContext(src.repository, async () => {
    const ts = await json('timestamp.json');
    const snap = await json(`${version(ts.signed?.meta, 'snapshot.json')}.snapshot.json`);
    const v = version(snap.signed?.meta, `${src.role}.json`);
    return fetcher.downloadBytes(`${OCI_METADATA_URL}${v}.${src.role}.json`, MAX_METADATA);
  });
}

/**
 * Refreshes every import of the checked-out branch and commits what changed (pushing it
 * to `push` when given). An import that cannot be refreshed keeps its version and is
 * reported in `failures`; the others are refreshed all the same.
 */
export async function refreshImports(
  e: RefreshEnv,
  o: { push?: string } = {},
): Promise<RefreshResult> {
  const repo = new RepoDir(e.dir);
  // imports are delegated from targets (tufci copy) or another role, never from a hash bin:
  // the bins are left unread, so a scheduled run costs little in a 100k-target repository
  const roles = repo.readOfflineRoles({ deferBins: new Set() });
  const root = roles.get('root')!.signed as RootSigned;
  const imports = importedRoles(roles);
  const result: RefreshResult = { any: imports.size > 0, refreshed: [], failures: [] };
  if (!imports.size) return result;
  const codes = new Set<ErrorCode>();
  await withRollback(e.dir, ['metadata'], async () => {
    for (const [role, src] of imports) {
      const rule = roleKeys(role, root, roles);
      const env = roles.get(role);
      const delegator = roles.get(src.delegator)?.signed as TargetsSigned | undefined;
      const paths = delegator?.delegations?.roles?.find((r) => r.name === role)?.paths ?? [];
      if (!rule || !env) continue;
      try {
        const bytes = await sourceRoleBytes(e, src);
        const current = { env, bytes: repo.readRoleBytes(role) };
        const r = checkRefresh(role, bytes, current, rule, paths, e.now);
        if (r.kind === 'current') {
          e.out(
            `${role}: version ${env.signed.version} (expires ${env.signed.expires}) is the source's newest; nothing to do.`,
          );
          continue;
        }
        writeInside(repo.dir, repo.relRolePath(role), Buffer.from(bytes), {
          what: 'repository',
        });
        result.refreshed.push(`${role} v${r.version}`);
        e.out(
          `${role}: version ${env.signed.version} -> ${r.version} (expires ${r.expires}) from role "${src.role}" of ${src.repository}, signed by ${r.signers} of the delegation's ${rule.keyids.length} key(s) (threshold ${rule.threshold}).`,
        );
      } catch (err) {
        result.failures.push(`${role}: ${(err as Error).message}`);
        codes.add(err instanceof TufciError ? err.code : 'internal');
      }
    }
    if (result.refreshed.length) {
      const git = new Git(e.dir, e.env);
      await git.commit(`Refresh imported roles: ${result.refreshed.join(', ')}`, ['metadata']);
      if (o.push !== undefined) await git.push(o.push, await git.currentBranch());
    }
  });
  if (result.failures.length) {
    const [only] = codes;
    result.code =
      codes.size === 1 && only !== undefined && only !== 'internal' ? only : 'not-verified';
  }
  return result;
}

/** The error for the failures of a refresh. */
export function refreshFailure(r: RefreshResult): TufciError {
  return new TufciError(
    r.code ?? 'not-verified',
    `not refreshed (the imports keep their version):\n${r.failures.map((f) => `  - ${f}`).join('\n')}`,
  );
}
