/**
 * `tufci copy --refresh`: brings every imported role (`import-<name>`, from `tufci copy
 * --signatures original`) on the checked-out branch up to the source's newer version, and
 * commits (and pushes) it there: run on the default branch on a schedule, before
 * online-sign, so the import never expires at the destination. The source's repository is
 * read only for the role's bytes; they are kept when they verify against the delegation's
 * keys and threshold (as a client checks them), are newer, unexpired and still list every
 * copied name. No person signs anything: the destination's signers signed the delegation.
 */
import {
  NotVerifiedError,
  TufciError,
  UserError,
  withContext,
  type ErrorCode,
} from '../../lib/errors.js';
import { checkRefresh } from '../../lib/event/import.js';
import { OCI_METADATA_URL, OciFetcher } from '../../lib/client/oci-fetcher.js';
import { parseLocation, type OciLocationSpec } from '../../lib/location.js';
import { openOciLocation } from '../../lib/publish/oci-destination.js';
import { importedRoles, type ImportSource } from '../../lib/tuf/imported.js';
import { checkRoleName } from '../../lib/tuf/names.js';
import { roleKeys } from '../../lib/tuf/roles.js';
import type { RootSigned, TargetsSigned } from '../../lib/tuf/types.js';
import { writeInside } from '../../lib/util/fs.js';
import { withRollback } from '../../lib/util/transaction.js';
import type { Ctx } from '../context.js';
import { gitOf, repoOf } from '../context.js';
import { registryAccess } from '../registry-flags.js';
import type { CopyOpts } from './copy.js';

const MAX_METADATA = 16 << 20;

/** The source's current bytes of the role: timestamp and snapshot only say which version. */
async function sourceRoleBytes(ctx: Ctx, o: CopyOpts, src: ImportSource): Promise<Uint8Array> {
  checkRoleName(src.role, 'x-tufci-import role');
  const spec = parseLocation(src.repository, {
    flag: 'x-tufci-import repository',
    cwd: ctx.cwd,
    accept: ['oci', 'oci-layout'],
  }) as OciLocationSpec;
  const access = registryAccess(ctx, o, spec.kind === 'oci' ? [spec.host] : []);
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

export async function refreshImports(ctx: Ctx, o: CopyOpts): Promise<void> {
  const repo = repoOf(ctx);
  if (!repo.has('root'))
    throw new UserError(
      `${ctx.cwd}: no TUF repository here (metadata/root.json missing); run tufci copy --refresh in a clone of the destination repository`,
    );
  const roles = repo.readOfflineRoles();
  const root = roles.get('root')!.signed as RootSigned;
  const imports = importedRoles(roles);
  if (!imports.size) {
    ctx.out('No imported role here; nothing to refresh.');
    return;
  }
  const now = ctx.now();
  const refreshed: string[] = [];
  const failures: string[] = [];
  const codes = new Set<ErrorCode>();
  await withRollback(ctx.cwd, ['metadata'], async () => {
    for (const [role, src] of imports) {
      const rule = roleKeys(role, root, roles);
      const env = roles.get(role);
      const delegator = roles.get(src.delegator)?.signed as TargetsSigned | undefined;
      const paths = delegator?.delegations?.roles?.find((r) => r.name === role)?.paths ?? [];
      if (!rule || !env) continue;
      try {
        const bytes = await sourceRoleBytes(ctx, o, src);
        const current = { env, bytes: repo.readRoleBytes(role) };
        const r = checkRefresh(role, bytes, current, rule, paths, now);
        if (r.kind === 'current') {
          ctx.out(
            `${role}: version ${env.signed.version} (expires ${env.signed.expires}) is the source's newest; nothing to do.`,
          );
          continue;
        }
        writeInside(repo.dir, repo.relRolePath(role), Buffer.from(bytes), {
          what: 'repository',
        });
        refreshed.push(`${role} v${r.version}`);
        ctx.out(
          `${role}: version ${env.signed.version} -> ${r.version} (expires ${r.expires}) from role "${src.role}" of ${src.repository}, signed by ${r.signers} of the delegation's ${rule.keyids.length} key(s) (threshold ${rule.threshold}).`,
        );
      } catch (e) {
        failures.push(`${role}: ${(e as Error).message}`);
        codes.add(e instanceof TufciError ? e.code : 'internal');
      }
    }
    if (refreshed.length) {
      const git = gitOf(ctx);
      await git.commit(`Refresh imported roles: ${refreshed.join(', ')}`, ['metadata']);
      if (o.push) await git.push(o.pushRemote ?? 'origin', await git.currentBranch());
      ctx.out(
        `Committed${o.push ? ' and pushed' : ''} ${refreshed.join(', ')}; online-sign lists them in snapshot.`,
      );
    }
  });
  if (failures.length) {
    // one kind of failure keeps its code (a source that cannot be reached is a network
    // failure); a refusal, or a mix, is a refusal to verify
    const [only] = codes;
    const code: ErrorCode =
      codes.size === 1 && only !== undefined && only !== 'internal' ? only : 'not-verified';
    throw new TufciError(
      code,
      `not refreshed (the imports keep their version):\n${failures.map((f) => `  - ${f}`).join('\n')}`,
    );
  }
}
