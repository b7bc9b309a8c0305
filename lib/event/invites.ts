import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { removeInside, writeInside } from '../util/fs.js';

export const STATE_FILE = 'metadata/.signing-event-state';

/** Invites: `@user` → roles that user is invited to sign (tuf-on-ci's `.signing-event-state`). */
export type Invites = Record<string, string[]>;

export function parseInvites(text: string | undefined, where = STATE_FILE): Invites {
  if (text === undefined) return {};
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${where}: malformed JSON: ${(e as Error).message}`);
  }
  const inv = (data as { invites?: unknown })?.invites ?? {};
  if (typeof inv !== 'object' || inv === null || Array.isArray(inv)) {
    throw new UserError(`${where}: field "invites" must map @user names to lists of roles`);
  }
  const out: Invites = {};
  for (const [user, roles] of Object.entries(inv)) {
    if (!Array.isArray(roles) || !roles.every((r) => typeof r === 'string')) {
      throw new UserError(`${where}: field "invites.${user}" must be a list of role names`);
    }
    if (roles.length) out[user] = [...roles];
  }
  return out;
}

export function readInvites(repoDir: string): Invites {
  const path = join(repoDir, STATE_FILE);
  return parseInvites(existsSync(path) ? readFileSync(path, 'utf8') : undefined);
}

/** Writes invites; the file is removed when there are none, so a finished event leaves no state behind. */
export function writeInvites(repoDir: string, invites: Invites): void {
  const live = Object.fromEntries(Object.entries(invites).filter(([, r]) => r.length > 0));
  const text = JSON.stringify({ invites: live }, null, 2) + '\n';
  if (Object.keys(live).length === 0) removeInside(repoDir, STATE_FILE, 'repository');
  else writeInside(repoDir, STATE_FILE, text, { what: 'repository' });
}

/** Number of pending invites for a role. */
export function inviteCount(invites: Invites, role: string): number {
  return Object.values(invites).filter((roles) => roles.includes(role)).length;
}

export function normalizeUser(name: string, where: string): string {
  const n = name.startsWith('@') ? name : `@${name}`;
  if (!/^@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(n)) {
    throw new UserError(`${where}: "${name}" is not a GitHub user name (@name)`);
  }
  return n;
}
