import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeChanges } from '../../lib/event/changes.js';
import { claimProject, keysRole, setProjectKeys, targetsRole } from '../../lib/event/projects.js';
import type { Maintainer } from '../../lib/event/projects.js';
import { checkProjectName } from '../../lib/event/projects.js';
import { promoteProjects, removeProject } from '../../lib/event/promote.js';
import { eventReport } from '../../lib/event/report.js';
import { signOwnChanges } from '../../lib/event/sign.js';
import { updateEvent } from '../../lib/event/update.js';
import type { OpenEvent } from '../../lib/event/workflow.js';
import { commitAndPush, openEvent, pushEvent } from '../../lib/event/workflow.js';
import { UserError } from '../../lib/errors.js';
import { keyMaterial } from '../../lib/tuf/key-identity.js';
import type { RepoDir } from '../../lib/tuf/repo.js';
import { KEYOWNER, ONLINE_URI } from '../../lib/tuf/types.js';
import type { KeyJson, TufPublicKey } from '../../lib/tuf/types.js';
import { withRollback } from '../../lib/util/transaction.js';
import type { ConfigFlags, Ctx, SignerConfig } from '../context.js';
import { eventIo, makeSigner, parseKeyPairs, repoOf, signerConfig } from '../context.js';
import { intFlag, readPublicKey, userList } from './init.js';

export interface ProjectOpts extends ConfigFlags {
  event?: string;
  maintainers?: string;
  threshold?: string;
  key?: string[];
  keepRecent?: boolean;
  sign: boolean;
  push: boolean;
}

/** Every key the repository lists with its owner (root and every delegation), newest last. */
function keysByOwner(repo: RepoDir): Map<string, TufPublicKey> {
  const out = new Map<string, TufPublicKey>();
  const add = (keys: Record<string, KeyJson>): void => {
    for (const k of Object.values(keys)) {
      const owner = k[KEYOWNER];
      if (typeof owner === 'string' && k[ONLINE_URI] === undefined)
        out.set(owner, {
          keytype: k.keytype,
          scheme: k.scheme,
          keyval: { public: k.keyval.public },
        });
    }
  };
  for (const [, env] of repo.readOfflineRoles()) {
    if (env.signed._type === 'root') add(env.signed.keys);
    else if (env.signed._type === 'targets') add(env.signed.delegations?.keys ?? {});
  }
  return out;
}

/**
 * Each maintainer's public key: from `--key @user=FILE`, the signer's own key for the
 * person running the command, else the key the repository already lists for that owner.
 */
async function maintainersOf(
  ctx: Ctx,
  cfg: SignerConfig,
  repo: RepoDir,
  users: string[],
  keyFlags: string[] | undefined,
): Promise<Maintainer[]> {
  const given = Object.fromEntries(
    Object.entries(parseKeyPairs(keyFlags)).map(([u, p]) => [u, readPublicKey(p, `--key ${u}`)]),
  );
  const listed = keysByOwner(repo);
  const out: Maintainer[] = [];
  for (const user of users) {
    let key = given[user];
    if (!key && user === cfg.user) key = await (await makeSigner(ctx, cfg)).publicKey();
    key ??= listed.get(user);
    if (!key)
      throw new UserError(
        `--maintainers: no key known for ${user}; pass --key ${user}=FILE (their public key PEM)`,
      );
    out.push({ user, key });
  }
  const seen = new Set<string>();
  for (const m of out) {
    const mat = keyMaterial(m.key);
    if (seen.has(mat))
      throw new UserError(`--maintainers: ${m.user} has the same key as another maintainer`);
    seen.add(mat);
  }
  return out;
}

/** Event update, the account, the runner's own signatures, then commit and push. */
async function finish(
  ctx: Ctx,
  cfg: SignerConfig,
  ev: OpenEvent,
  o: ProjectOpts,
  message: string,
  extraPaths: string[] = [],
): Promise<void> {
  const repo = repoOf(ctx);
  await updateEvent(repo, ev.base, ctx.now(), { event: ev.event });
  const report = await eventReport(repo, ev.base, ctx.now());
  for (const c of report.changes) for (const l of describeChanges(c)) ctx.out(l);
  if (o.sign) {
    const signer = await makeSigner(ctx, cfg);
    const signed = await signOwnChanges(repo, ev.base, cfg.user, signer, ctx.now());
    if (signed.length) ctx.out(`Signed ${signed.join(', ')} as ${cfg.user}.`);
  }
  const io = eventIo(ctx, cfg);
  if (!extraPaths.length) {
    await commitAndPush(io, ev, message, o.push);
    return;
  }
  if (!(await io.git.commit(message, ['metadata', ...extraPaths]))) return;
  if (o.push) await pushEvent(io, ev.event);
  else ctx.out(`Committed on ${ev.event} (not pushed: --no-push).`);
}

async function open(ctx: Ctx, o: ProjectOpts, event: string): Promise<[SignerConfig, OpenEvent]> {
  const cfg = signerConfig(ctx, o);
  const ev = await openEvent(eventIo(ctx, cfg), event);
  return [cfg, ev];
}

export async function claimCommand(ctx: Ctx, project: string, o: ProjectOpts): Promise<void> {
  checkProjectName(project, 'project');
  const users = userList(o.maintainers, '--maintainers', []);
  if (!users.length) throw new UserError('--maintainers: give at least one @user');
  const threshold = intFlag(o.threshold, '--threshold') ?? 1;
  const [cfg, ev] = await open(ctx, o, o.event ?? `sign/claim-${project}`);
  const repo = repoOf(ctx);
  await withRollback(ctx.cwd, ['metadata'], async () => {
    const maintainers = await maintainersOf(ctx, cfg, repo, users, o.key);
    const { bin } = claimProject(repo, { project, maintainers, threshold, now: ctx.now() });
    ctx.out(
      `Claimed ${project} in ${bin} (recently-claimed, signed online after merge); ${users.join(', ')} sign ${keysRole(project)} and ${targetsRole(project)}.`,
    );
    await finish(ctx, cfg, ev, o, `Claim project ${project} (${cfg.user})`);
  });
}

export async function keysCommand(ctx: Ctx, project: string, o: ProjectOpts): Promise<void> {
  checkProjectName(project, 'project');
  const users = userList(o.maintainers, '--maintainers', []);
  const [cfg, ev] = await open(ctx, o, o.event ?? `sign/keys-${project}`);
  const repo = repoOf(ctx);
  await withRollback(ctx.cwd, ['metadata'], async () => {
    const maintainers = await maintainersOf(ctx, cfg, repo, users, o.key);
    setProjectKeys(repo, project, maintainers, intFlag(o.threshold, '--threshold'));
    ctx.out(
      `${keysRole(project)} now lets ${users.join(', ')} sign ${targetsRole(project)}; the project's promoted keys sign this change.`,
    );
    await finish(ctx, cfg, ev, o, `Maintainers of ${project} (${cfg.user})`);
  });
}

export async function promoteCommand(ctx: Ctx, o: ProjectOpts): Promise<void> {
  const [cfg, ev] = await open(ctx, o, o.event ?? 'sign/promote');
  const repo = repoOf(ctx);
  await withRollback(ctx.cwd, ['metadata'], async () => {
    const { lines, refused } = promoteProjects(repo, { keepRecent: o.keepRecent, now: ctx.now() });
    if (refused.length) {
      ctx.out(`Left out (${refused.length}), until their promoted keys sign keys-<project>:`);
      for (const l of refused) ctx.out(`  ${l}`);
    }
    if (!lines.length) {
      ctx.out('Nothing to promote: every claimed bin lists its projects’ current keys.');
      return;
    }
    ctx.out(`Promotions (${lines.length}):`);
    for (const l of lines) ctx.out(`  ${l}`);
    await finish(ctx, cfg, ev, o, `Promote projects (${cfg.user})\n\n${lines.join('\n')}`);
  });
}

export async function removeCommand(ctx: Ctx, project: string, o: ProjectOpts): Promise<void> {
  checkProjectName(project, 'project');
  const [cfg, ev] = await open(ctx, o, o.event ?? `sign/remove-${project}`);
  const repo = repoOf(ctx);
  const dir = `targets/${project}`;
  await withRollback(ctx.cwd, ['metadata', dir], async () => {
    const bins = removeProject(repo, project, ctx.now());
    rmSync(join(ctx.cwd, dir), { recursive: true, force: true });
    ctx.out(
      `Removed ${project} from ${bins.join(' and ')}, with ${keysRole(project)}, ${targetsRole(project)} and ${dir}/.`,
    );
    await finish(ctx, cfg, ev, o, `Remove project ${project} (${cfg.user})`, [dir]);
  });
}
