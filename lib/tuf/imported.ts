/**
 * Imported roles (`tufci copy --signatures original`): a delegated role `import-<name>`
 * whose metadata is another repository's role byte for byte, its signatures intact. The
 * delegation entry that points at it names where it comes from:
 * `"x-tufci-import": {"repository": "oci://HOST/REPO", "role": "<source role>"}`.
 *
 * Such a role is never re-versioned, re-signed or rewritten here: its version, expiry and
 * signatures are the source's (a scheduled refresh replaces it with the source's newer
 * version), and the destination's signers sign only the delegation.
 */
import type { DelegatedRoleJson, Envelope, TargetsSigned } from './types.js';

export const IMPORT_FIELD = 'x-tufci-import';
export const IMPORT_PREFIX = 'import-';

export interface ImportSource {
  /** The source's TUF repository, e.g. `oci://HOST/REPO`. */
  repository: string;
  /** The source role's name in that repository. */
  role: string;
}

/** The `x-tufci-import` of a delegation entry, when it has a well-formed one. */
export function importOf(entry: DelegatedRoleJson | undefined): ImportSource | undefined {
  const v = (entry as Record<string, unknown> | undefined)?.[IMPORT_FIELD];
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const { repository, role } = v as Record<string, unknown>;
  if (typeof repository !== 'string' || typeof role !== 'string') return undefined;
  return { repository, role };
}

/**
 * The imported roles among loaded `roles`: every delegation entry (of any targets role
 * that is not itself imported) that carries `x-tufci-import`, by role name.
 */
export function importedRoles(
  roles: Map<string, Envelope> | Map<string, { signed: unknown }>,
): Map<string, ImportSource & { delegator: string }> {
  const out = new Map<string, ImportSource & { delegator: string }>();
  for (const [name, env] of roles) {
    const s = env.signed as TargetsSigned;
    if (s._type !== 'targets') continue;
    for (const entry of s.delegations?.roles ?? []) {
      const src = importOf(entry);
      if (src && !out.has(entry.name)) out.set(entry.name, { ...src, delegator: name });
    }
  }
  for (const name of out.keys()) {
    const d = out.get(name)!.delegator;
    if (out.has(d)) out.delete(name); // a source's own delegations are not imports here
  }
  return out;
}
