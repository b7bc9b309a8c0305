/**
 * Bringing a signing event that is behind the default branch up to date. Two events
 * that change the same role both start from one known-good version; once the first is
 * merged, the second's metadata no longer follows the default branch's. Instead of a
 * JSON merge conflict resolved by hand (where taking one side silently drops the other
 * side's targets), the default branch is merged into the event with git for the files
 * (targets/ and the rest), and each role's metadata is recomputed: a three-way merge of
 * the signed content (the event's changes, registry artifacts included, applied to the
 * default branch's), then `updateEvent` bumps it from the default branch's version.
 * Signatures over content that did not change are kept; the others no longer verify.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { Git } from '../git/git.js';
import { sameJson } from '../tuf/envelope.js';
import type { RepoDir } from '../tuf/repo.js';
import type { Envelope } from '../tuf/types.js';
import { removeInside } from '../util/fs.js';
import { GitRevReader } from './base.js';
import { STATE_FILE, readInvites, writeInvites } from './invites.js';
import type { Invites } from './invites.js';
import { rolesAt } from './open-events.js';

type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** An array of objects each with a string `name` (targets' delegated roles). */
const isNamedList = (v: Json): v is { name: string }[] =>
  Array.isArray(v) &&
  v.every((x) => isObject(x) && typeof x.name === 'string') &&
  new Set(v.map((x) => (x as { name: string }).name)).size === v.length;

/** Where a conflict is, for people: `delegations.roles[apps].threshold`. */
const at = (path: string, key: string): string => (path ? `${path}.${key}` : key);

/**
 * Three-way merge of JSON values: a side that left `base` as it was takes the other
 * side's value; objects merge key by key and named lists name by name; two different
 * changes to one value are a conflict. Absent is `undefined`.
 */
export function merge3(base: Json, event: Json, tip: Json, path: string, where: string): Json {
  if (sameJson(event, base)) return tip;
  if (sameJson(tip, base) || sameJson(event, tip)) return event;
  if (isObject(event) && isObject(tip) && (base === undefined || isObject(base))) {
    const out: Record<string, Json> = {};
    for (const k of [...Object.keys(tip), ...Object.keys(event).filter((k) => !(k in tip))]) {
      const v = merge3(base?.[k], event[k], tip[k], at(path, k), where);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  if (isNamedList(event) && isNamedList(tip) && (base === undefined || isNamedList(base))) {
    const byName = (l: { name: string }[] | undefined): Map<string, Json> =>
      new Map((l ?? []).map((x) => [x.name, x]));
    const [b, e, t] = [byName(base), byName(event), byName(tip)];
    const names = [...t.keys(), ...[...e.keys()].filter((n) => !t.has(n))];
    return names.flatMap((n) => {
      const v = merge3(b.get(n), e.get(n), t.get(n), `${path}[${n}]`, where);
      return v === undefined ? [] : [v];
    });
  }
  throw new UserError(
    `${where} ${path}: changed both on the default branch and in this event, differently; ` +
      'tufci cannot choose: close this event and make its change again from the default branch (or revert the change on one side)',
  );
}

const VERSIONING = new Set(['version', 'expires']);

/** A role's envelope after taking in the default branch (undefined: the role is gone). */
function mergeRole(
  role: string,
  base: Envelope | undefined,
  event: Envelope | undefined,
  tip: Envelope | undefined,
): Envelope | undefined {
  const where = `metadata/${role}.json`;
  if (!event || !tip) {
    // a role one side removed and the other left alone is removed; new on one side only is kept
    const kept = event ?? tip;
    const other = event ? 'event' : 'tip';
    if (!base) return kept;
    if (!kept || sameJson(kept.signed, base.signed)) return undefined;
    throw new UserError(
      `${where}: removed ${other === 'event' ? 'on the default branch' : 'in this event'} but changed on the other side`,
    );
  }
  if (base && sameJson(tip.signed, base.signed)) return event;
  if (base && sameJson(event.signed, base.signed)) return tip;
  const strip = (e: Envelope | undefined): Json =>
    e
      ? Object.fromEntries(Object.entries(e.signed).filter(([k]) => !VERSIONING.has(k)))
      : undefined;
  const merged = merge3(strip(base), strip(event), strip(tip), 'signed', where) as Record<
    string,
    Json
  >;
  // the default branch's version: updateEvent bumps it once, with a fresh expiry
  return {
    signed: {
      ...merged,
      version: tip.signed.version,
      expires: tip.signed.expires,
    } as unknown as Envelope['signed'],
    signatures: event.signatures,
  };
}

/**
 * When the checked-out event is behind `tipRef` (the remote's default branch), merges
 * it in without committing and rewrites metadata/ as described above. Returns the
 * commit taken in, or undefined when the event is up to date. Files other than
 * metadata/ that both sides changed are a conflict git reports; the merge is aborted.
 */
export async function catchUp(
  git: Git,
  repo: RepoDir,
  tipRef: string,
  log: (line: string) => void,
): Promise<string | undefined> {
  if (!(await git.revExists(tipRef))) return undefined;
  const tip = (await git.mergeBase(tipRef, tipRef))!;
  const baseRev = await git.mergeBase('HEAD', tip);
  if (baseRev === tip) return undefined;
  const base = new GitRevReader(git, baseRev);
  const main = new GitRevReader(git, tip);
  const eventRoles = repo.readOfflineRoles();
  const eventInvites = readInvites(repo.dir);
  const tipRoles = await rolesAt(main);

  const conflicts = await git.mergeNoCommit(tip);
  const outside = conflicts.filter((p) => !p.startsWith('metadata/'));
  if (outside.length) {
    await git.abortMerge();
    throw new UserError(
      `${outside.join(', ')}: changed both on ${tipRef} and in this event; bring the two versions together on this branch (git merge ${tipRef}), push, and run \`tufci event update\` again`,
    );
  }
  try {
    const names = [...new Set([...tipRoles.keys(), ...eventRoles.keys()])];
    const offline = new Set([STATE_FILE, ...names.map((n) => repo.relRolePath(n))]);
    // snapshot, timestamp and root_history as the default branch has them
    const tipFiles = await git.listFiles(tip, 'metadata');
    await git.checkoutPaths(
      tip,
      tipFiles.filter((f) => !offline.has(f)),
    );
    for (const v of repo.rootHistory()) {
      const rel = `metadata/root_history/${v}.root.json`;
      if (!tipFiles.includes(rel)) removeInside(repo.dir, rel, 'repository');
    }
    for (const role of names) {
      const env = mergeRole(role, await base.read(role), eventRoles.get(role), tipRoles.get(role));
      if (env) repo.writeRole(role, env, { history: false });
      else if (existsSync(join(repo.dir, repo.relRolePath(role)))) repo.removeRole(role);
    }
    const invites = merge3(
      await base.invites(),
      eventInvites,
      await main.invites(),
      'invites',
      STATE_FILE,
    ) as Invites;
    writeInvites(repo.dir, invites ?? {});
  } catch (e) {
    // nothing of the merge stays behind: the work tree and index are the event's again
    await git.abortMerge();
    throw e;
  }
  log(`Took in ${tipRef} (${tip.slice(0, 10)}): the event's changes now apply to its metadata.`);
  return tip;
}
