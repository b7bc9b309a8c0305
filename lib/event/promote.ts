/**
 * The admin's periodic signing of the projects layout (docs/LAYOUTS.md): promote keys
 * from keys-P into the claimed bin that delegates to it, move recently-claimed projects
 * into claimed bins, and remove projects.
 */
import { UserError } from '../errors.js';
import { sameJson, signerCount } from '../tuf/envelope.js';
import type { RepoDir } from '../tuf/repo.js';
import { ownerOf } from '../tuf/roles.js';
import type { DelegatedRoleJson, KeyJson, TargetsSigned } from '../tuf/types.js';
import {
  CLAIMED,
  RECENT,
  binOf,
  binRule,
  checkProjectName,
  findProject,
  keysRole,
  projectBins,
  pruneKeys,
  routeProject,
  targetsRole,
} from './projects.js';

/**
 * Why keys-P's keys must not be promoted, or undefined: only a keys-P that its current
 * (promoted) keys signed is trusted, so keys merged without their signatures never reach
 * a claimed bin.
 */
function unsignedKeys(repo: RepoDir, bin: string, project: string): string | undefined {
  const b = repo.targets(bin).signed.delegations;
  const entry = b?.roles?.find((r) => r.name === keysRole(project));
  if (!b || !entry) return `${bin} does not delegate to ${keysRole(project)}`;
  const env = repo.targets(keysRole(project));
  const n = signerCount(env, b.keys, entry.keyids);
  if (n >= entry.threshold) return undefined;
  return `${keysRole(project)} v${env.signed.version} is signed by ${n} of the ${entry.threshold} promoted key(s) ${bin} requires`;
}

/** The rule keys-P sets for targets-P: the keys to promote. */
function projectRule(
  repo: RepoDir,
  project: string,
): { keys: Record<string, KeyJson>; keyids: string[]; threshold: number } {
  const env = repo.targets(keysRole(project));
  const d = env.signed.delegations?.roles?.find((r) => r.name === targetsRole(project));
  if (!d || !env.signed.delegations)
    throw new UserError(
      `metadata/${keysRole(project)}.json: no delegation to ${targetsRole(project)}`,
    );
  const keys = Object.fromEntries(d.keyids.map((id) => [id, env.signed.delegations!.keys[id]!]));
  return { keys, keyids: [...d.keyids].sort(), threshold: d.threshold };
}

const who = (rule: { keys: Record<string, KeyJson>; keyids: string[] }): string =>
  rule.keyids.map((id) => ownerOf(rule.keys[id], id)).join(', ');

/** Sets a bin's delegation to keys-P to `rule` (keys copied into the bin's key map). */
function setEntry(
  bin: TargetsSigned,
  entry: DelegatedRoleJson,
  rule: { keys: Record<string, KeyJson>; keyids: string[]; threshold: number },
): void {
  for (const id of rule.keyids) bin.delegations!.keys[id] = rule.keys[id]!;
  entry.keyids = [...rule.keyids];
  entry.threshold = rule.threshold;
  pruneKeys(bin);
}

/** Projects a layer's bins delegate to, by bin. */
function projectsIn(repo: RepoDir, layer: typeof CLAIMED | typeof RECENT): [string, string][] {
  const out: [string, string][] = [];
  for (const b of repo.targets(layer).signed.delegations?.roles ?? []) {
    if (!repo.has(b.name)) continue;
    for (const r of repo.targets(b.name).signed.delegations?.roles ?? [])
      if (r.name.startsWith('keys-')) out.push([b.name, r.name.slice('keys-'.length)]);
  }
  return out;
}

export interface PromoteOptions {
  /** Copy recently-claimed projects into claimed bins but leave their recently-claimed entries (a staged move). */
  keepRecent?: boolean;
  now: Date;
}

/**
 * One admin signing event: for every claimed project whose keys-P lists other keys than
 * its claimed bin, the bin takes them; every recently-claimed project moves to its
 * claimed bin with keys-P's keys. Returns one line per promotion (the event's account),
 * and one per project left out because its keys-P is not signed by its promoted keys.
 */
export function promoteProjects(
  repo: RepoDir,
  o: PromoteOptions,
): { lines: string[]; refused: string[] } {
  const bins = projectBins(repo.targets().signed);
  const lines: string[] = [];
  const refusedLines: string[] = [];
  for (const [bin, project] of projectsIn(repo, CLAIMED)) {
    const env = repo.targets(bin);
    const entry = env.signed.delegations!.roles!.find((r) => r.name === keysRole(project))!;
    const rule = projectRule(repo, project);
    if (sameJson([...entry.keyids].sort(), rule.keyids) && entry.threshold === rule.threshold)
      continue;
    const refused = unsignedKeys(repo, bin, project);
    if (refused) {
      refusedLines.push(`${project}: not promoted: ${refused}`);
      continue;
    }
    const before = { keys: env.signed.delegations!.keys, keyids: entry.keyids };
    lines.push(
      `${project}: promoted keys in ${bin}: ${who(before)} (threshold ${entry.threshold}) → ${who(rule)} (threshold ${rule.threshold})`,
    );
    setEntry(env.signed, entry, rule);
    repo.writeRole(bin, env);
  }
  const claimedRule = binRule(repo, CLAIMED);
  const recentRule = binRule(repo, RECENT);
  for (const [recentBin, project] of projectsIn(repo, RECENT)) {
    const target = binOf(CLAIMED, project, bins);
    const already = findProject(repo, project).some((w) => w.layer === CLAIMED);
    const refused = already ? undefined : unsignedKeys(repo, recentBin, project);
    if (refused) {
      refusedLines.push(`${project}: not moved: ${refused}`);
      continue;
    }
    if (!already) {
      const rule = projectRule(repo, project);
      routeProject(repo, CLAIMED, target, project, true, o.now, claimedRule);
      const env = repo.targets(target);
      const d = env.signed.delegations!;
      const entry: DelegatedRoleJson = {
        name: keysRole(project),
        keyids: [],
        threshold: 1,
        terminating: true,
        paths: findProject(repo, project).find((w) => w.layer === RECENT)!.entry.paths,
      };
      (d.roles ??= []).push(entry);
      d.roles.sort((a, b) => a.name.localeCompare(b.name));
      setEntry(env.signed, entry, rule);
      repo.writeRole(target, env);
      lines.push(
        `${project}: moved from ${recentBin} to ${target} with keys ${who(rule)} (threshold ${rule.threshold})${o.keepRecent ? '; its recently-claimed entry stays until the next promote' : ''}`,
      );
    } else if (!o.keepRecent) {
      lines.push(`${project}: recently-claimed entry in ${recentBin} removed (now in ${target})`);
    }
    if (!o.keepRecent) unlist(repo, RECENT, recentBin, project, o.now, recentRule);
  }
  return { lines, refused: refusedLines };
}

/** Removes keys-P from a bin (and the project's paths from the layer). */
function unlist(
  repo: RepoDir,
  layer: typeof CLAIMED | typeof RECENT,
  bin: string,
  project: string,
  now: Date,
  rule: ReturnType<typeof binRule>,
): void {
  const env = repo.targets(bin);
  const d = env.signed.delegations!;
  d.roles = (d.roles ?? []).filter((r) => r.name !== keysRole(project));
  pruneKeys(env.signed);
  repo.writeRole(bin, env);
  // the layer drops the bin (and its file) once no project's paths are left in it
  routeProject(repo, layer, bin, project, false, now, rule);
}

/** Removes a project: its delegation (from every bin that lists it), keys-P and targets-P. */
export function removeProject(repo: RepoDir, project: string, now: Date): string[] {
  checkProjectName(project, 'project');
  const where = findProject(repo, project);
  if (!where.length)
    throw new UserError(
      `project ${project}: no such project (not delegated by a claimed or recently-claimed bin)`,
    );
  for (const w of where) unlist(repo, w.layer, w.bin, project, now, binRule(repo, w.layer));
  for (const role of [keysRole(project), targetsRole(project)])
    if (repo.has(role)) repo.removeRole(role);
  return where.map((w) => w.bin);
}
