/**
 * What `tufci key list` shows besides the token's own listing: the roles each key signs
 * for in the checked-out repository; and the PKCS#11 settings of `.tufci.yaml`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { TokenKeyListing } from '../lib/signers/pkcs11/signer.js';
import { formatKeyListing } from '../lib/signers/pkcs11/list.js';
import { UserError } from '../lib/errors.js';
import { RepoDir } from '../lib/tuf/repo.js';
import { keyId, publicPemOf, tufKeyFromPublicPem } from '../lib/tuf/keys.js';
import { KEYOWNER } from '../lib/tuf/types.js';
import type { KeyJson } from '../lib/tuf/types.js';
import { CONFIG_FILE, type Ctx } from './context.js';

/** `pkcs11-module` and `pkcs11-key` from `.tufci.yaml`, without needing the rest of it. */
export function pkcs11Settings(ctx: Ctx): { module?: string; key?: string } {
  const path = join(ctx.cwd, CONFIG_FILE);
  if (!existsSync(path)) return {};
  let file: unknown;
  try {
    file = parseYaml(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UserError(`${CONFIG_FILE}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const fields = (file ?? {}) as Record<string, unknown>;
  const str = (name: string): string | undefined => {
    const v = fields[name];
    if (v !== undefined && typeof v !== 'string')
      throw new UserError(`${CONFIG_FILE}: field "${name}" must be a string`);
    return v;
  };
  const module = str('pkcs11-module');
  const key = str('pkcs11-key');
  return { ...(module === undefined ? {} : { module }), ...(key === undefined ? {} : { key }) };
}

/** The spec keyid of a listed key's material (as a token's key is named); `listed` when unreadable. */
function specKeyId(key: KeyJson, listed: string): string {
  try {
    return keyId(tufKeyFromPublicPem(publicPemOf(key)));
  } catch {
    return listed;
  }
}

/** What one keyid does in the repository: roles it signs and the owner metadata names. */
export interface KeyUse {
  roles: string[];
  owner?: string;
}

/**
 * Roles per keyid in the metadata checked out in `dir`: root's four top-level roles,
 * then targets' delegations. Undefined when there is no metadata.
 */
export function keyUses(dir: string): Map<string, KeyUse> | undefined {
  const repo = new RepoDir(dir);
  if (!repo.has('root')) return undefined;
  const uses = new Map<string, KeyUse>();
  const add = (listed: string, role: string, key: KeyJson | undefined): void => {
    // by the spec keyid of the key itself: a legacy keyid in metadata still finds the token's key
    const keyid = key ? specKeyId(key, listed) : listed;
    const use = uses.get(keyid) ?? { roles: [] };
    if (!use.roles.includes(role)) use.roles.push(role);
    const owner = key?.[KEYOWNER];
    if (use.owner === undefined && typeof owner === 'string') use.owner = owner;
    uses.set(keyid, use);
  };
  const root = repo.root().signed;
  for (const [role, entry] of Object.entries(root.roles)) {
    for (const id of entry.keyids) add(id, role, root.keys[id]);
  }
  if (repo.has('targets')) {
    const delegations = repo.targets().signed.delegations;
    for (const d of delegations?.roles ?? []) {
      for (const id of d.keyids) add(id, d.name, delegations?.keys[id]);
    }
  }
  return uses;
}

/** The listing with a "signs: ..." line under each usable key when there is metadata. */
export function formatKeyRoles(
  listings: TokenKeyListing[],
  uses: Map<string, KeyUse> | undefined,
): string {
  return listings
    .map((t) => {
      const lines = formatKeyListing([t]).split('\n');
      if (!uses) return lines.join('\n');
      const out = [lines[0]!];
      t.keys.forEach((k, i) => {
        out.push(lines[i + 1]!);
        if (!k.keyid) return;
        const use = uses.get(k.keyid);
        out.push(
          use
            ? `    signs: ${use.roles.join(', ')}${use.owner ? ` (as ${use.owner})` : ''}`
            : '    signs: nothing in this repository',
        );
      });
      if (t.keys.length === 0) out.push(...lines.slice(1));
      return out.join('\n');
    })
    .join('\n');
}
