/**
 * tufci's own target lookup (TUF client workflow 5.6.7) over delegated targets roles.
 *
 * tuf-js trusts a delegated role it loaded once, whichever delegator it was reached
 * through; in a "diamond" (one role name delegated by two roles with different keys)
 * the second path would inherit the first one's authority. Here every visit verifies
 * the role against the delegator of the current search path, whether the role comes
 * from memory, from the trusted metadata directory or from the repository. Diamonds
 * themselves are fine: a projects layout in the middle of a promotion has them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Key,
  Metadata,
  MetadataKind,
  type Snapshot,
  type TargetFile,
  type Targets,
} from '@tufjs/models';
import type { Fetcher } from 'tuf-js';
import { NotVerifiedError } from '../errors.js';
import { keyMaterial } from '../tuf/key-identity.js';
import { writeTrusted } from './trust-dir.js';

export interface LookupOptions {
  metadataDir: string;
  metadataBaseUrl: string;
  fetcher: Fetcher;
  /** Trusted top-level metadata after a refresh. */
  snapshot: Metadata<Snapshot>;
  targets: Metadata<Targets>;
  consistentSnapshot: boolean;
  /** Reference time for expiry. */
  now: Date;
  /** Most roles visited in one lookup (tuf-js's default is 32). */
  maxDelegations?: number;
  /** Largest delegated metadata read when snapshot gives no length. */
  maxLength?: number;
}

/**
 * How many distinct public keys among `keyIDs` (looked up in `keys`) signed `md`: one key
 * listed under two keyids counts once, so a threshold is met by that many keys.
 */
export function distinctSigners(
  md: Parameters<Key['verifySignature']>[0],
  keys: Record<string, Key>,
  keyIDs: string[],
): number {
  const signers = new Set<string>();
  for (const keyid of keyIDs) {
    const key = keys[keyid];
    if (!key) continue;
    try {
      key.verifySignature(md);
    } catch {
      continue;
    }
    signers.add(keyMaterial({ keytype: key.keyType, keyval: key.keyVal as { public: string } }));
  }
  return signers.size;
}

/** The metadata file name of a role: its name URL-encoded, as tuf-js and python-tuf use. */
function roleFile(role: string): string {
  return `${encodeURIComponent(role)}.json`;
}

/** A role to visit, and the delegator on the current search path (none for targets). */
interface Visit {
  role: string;
  delegator?: Delegator;
}

interface Delegator {
  name: string;
  md: Metadata<Targets>;
}

export class DelegationLookup {
  private readonly loaded = new Map<string, Metadata<Targets>>();

  constructor(private readonly o: LookupOptions) {}

  /** The target's signed info from the most trusted role that has it, or undefined. */
  async find(targetPath: string): Promise<TargetFile | undefined> {
    const max = this.o.maxDelegations ?? 32;
    const toVisit: Visit[] = [{ role: 'targets' }];
    const visited = new Set<string>();
    while (toVisit.length > 0 && visited.size <= max) {
      const { role, delegator } = toVisit.pop()!;
      if (visited.has(role)) continue;
      const md = delegator ? await this.load(role, delegator) : this.o.targets;
      const found = md.signed.targets[targetPath];
      if (found) return found;
      visited.add(role);
      const delegations = md.signed.delegations;
      if (!delegations) continue;
      const children: Visit[] = [];
      for (const { role: child, terminating } of delegations.rolesForTarget(targetPath)) {
        children.push({ role: child, delegator: { name: role, md } });
        if (terminating) {
          toVisit.splice(0);
          break;
        }
      }
      toVisit.push(...children.reverse());
    }
    return undefined;
  }

  /** A delegated role, verified against `delegator` on every visit. */
  private async load(role: string, delegator: Delegator): Promise<Metadata<Targets>> {
    const meta = this.o.snapshot.signed.meta[`${role}.json`];
    if (!meta) throw new NotVerifiedError(`${role}.json: the role is not listed in snapshot`);
    const inMemory = this.loaded.get(role);
    if (inMemory) {
      this.check(role, inMemory, delegator);
      return inMemory;
    }
    const local = join(this.o.metadataDir, roleFile(role));
    if (existsSync(local)) {
      try {
        const md = this.parse(role, readFileSync(local));
        this.check(role, md, delegator);
        if (md.signed.version === meta.version) {
          this.loaded.set(role, md);
          return md;
        }
      } catch {
        // not usable any more: load it from the repository
      }
    }
    const version = this.o.consistentSnapshot ? `${meta.version}.` : '';
    const url = new URL(`${version}${roleFile(role)}`, this.o.metadataBaseUrl).href;
    const bytes = await this.o.fetcher.downloadBytes(url, meta.length ?? this.o.maxLength ?? 5e6);
    try {
      meta.verify(bytes);
    } catch (e) {
      throw new NotVerifiedError(
        `${role}.json: the bytes do not match the length or hashes in snapshot (${(e as Error).message})`,
        { cause: e },
      );
    }
    const md = this.parse(role, bytes);
    this.check(role, md, delegator);
    if (md.signed.version !== meta.version)
      throw new NotVerifiedError(
        `${role}.json: version ${md.signed.version} is not the version ${meta.version} snapshot names`,
      );
    writeTrusted(this.o.metadataDir, roleFile(role), bytes);
    this.loaded.set(role, md);
    return md;
  }

  private parse(role: string, bytes: Uint8Array): Metadata<Targets> {
    try {
      const json = JSON.parse(Buffer.from(bytes).toString('utf8')) as {
        signed?: { _type?: unknown };
      };
      if (json?.signed?._type !== MetadataKind.Targets)
        throw new Error(`its type is ${JSON.stringify(json?.signed?._type)}, not "targets"`);
      return Metadata.fromJSON(MetadataKind.Targets, json as never);
    } catch (e) {
      throw new NotVerifiedError(`${role}.json: malformed metadata (${(e as Error).message})`, {
        cause: e,
      });
    }
  }

  /** Threshold (distinct keys) of the delegator's rule for `role`, and expiry. */
  private check(role: string, md: Metadata<Targets>, delegator: Delegator): void {
    const delegations = delegator.md.signed.delegations;
    const rule =
      delegations?.roles?.[role] ??
      (delegations?.succinctRoles?.isDelegatedRole(role) ? delegations.succinctRoles : undefined);
    if (!delegations || !rule)
      throw new NotVerifiedError(`${role}.json: ${delegator.name} does not delegate to it`);
    const signers = distinctSigners(md, delegations.keys, rule.keyIDs);
    if (signers < rule.threshold)
      throw new NotVerifiedError(
        `${role}.json: signed by ${signers} distinct key(s) of those ${delegator.name} trusts for it, ${rule.threshold} required`,
      );
    if (md.signed.isExpired(this.o.now))
      throw new NotVerifiedError(`${role}.json: expired on ${md.signed.expires}`);
  }
}
