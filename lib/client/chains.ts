/**
 * What `tufci verify` reports about who signs a target: every chain of delegations from
 * top-level targets that lists it (see DelegationLookup.chains), not only the one TUF's
 * search stops at. A copy made with `tufci copy --signatures original` adds a delegation to
 * `import-<name>`, the source's role byte for byte, whose entry names where it comes from
 * (`"x-tufci-import": {"repository": …, "role": …}`); with `--add-signature` the
 * destination's own role lists the same target too, so two chains sign it.
 *
 * The standard lookup still decides: a chain that does not verify, or that lists other
 * bytes, is reported and never makes a target verify. `--require-origin` asks for more:
 * an imported chain must verify and agree on length and hashes with the one that decided.
 */
import type { TargetFile } from '@tufjs/models';
import { NotVerifiedError } from '../errors.js';
import type { ChainHop, TargetChain } from './delegations.js';

/** Role names a copy with the original signatures gives the imported role. */
const IMPORT_PREFIX = 'import-';

type ChainStatus = 'decides' | 'agrees' | 'disagrees' | 'not-verified';

export interface ChainReport {
  /** Role names from top-level targets to the role that lists the target. */
  roles: string[];
  status: ChainStatus;
  /** The last role is an imported one (`import-*`, or its delegation says so). */
  imported: boolean;
  /** Where an imported role comes from, as its delegation entry says. */
  source?: { repository?: string; role?: string };
  /** Distinct keys that signed the last role, of `keys` its delegator trusts for it. */
  signers?: number;
  keys: number;
  threshold: number;
  /** Length and hashes this chain lists (absent when it does not verify). */
  length?: number;
  hashes?: Record<string, string>;
  /** Why it does not verify, or what it lists instead. */
  reason?: string;
  /** One phrase: "signed by the source's role …" or "attested by …". */
  text: string;
}

/** Same length, and every hash algorithm both name agrees (at least one in common). */
export function sameTarget(
  a: { length: number; hashes: Record<string, string> },
  b: { length: number; hashes: Record<string, string> },
): boolean {
  if (a.length !== b.length) return false;
  const common = Object.keys(a.hashes).filter((alg) => alg in b.hashes);
  return common.length > 0 && common.every((alg) => a.hashes[alg] === b.hashes[alg]);
}

const isImported = (hop: ChainHop): boolean =>
  hop.imported !== undefined || hop.role.startsWith(IMPORT_PREFIX);

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function phrase(hops: ChainHop[]): string {
  const last = hops[hops.length - 1]!;
  const via = hops
    .slice(1)
    .map((h) => h.role)
    .join(' → ');
  const keys =
    last.signers === undefined
      ? ''
      : `, ${last.signers} of ${plural(last.keys, 'key')} (threshold ${last.threshold})`;
  if (isImported(last)) {
    const src = last.imported;
    const who =
      src?.role !== undefined
        ? `the source's role ${JSON.stringify(src.role)}${src.repository ? ` (${src.repository})` : ''}`
        : `the imported role ${JSON.stringify(last.role)}`;
    return `signed by ${who} through ${via}${keys}`;
  }
  const through = hops.length > 1 ? ` through ${hops.map((h) => h.role).join(' → ')}` : '';
  return `attested by ${last.role}${through}${keys}`;
}

const short = (t: { length: number; hashes: Record<string, string> }): string =>
  `${t.length} bytes, ${Object.entries(t.hashes)
    .map(([alg, h]) => `${alg} ${h}`)
    .join(', ')}`;

/**
 * Each chain's status against `decided`, the target info the standard TUF lookup returned:
 * the first chain (in TUF's order) that lists the same length and hashes decides.
 */
export function assessChains(chains: TargetChain[], decided: TargetFile): ChainReport[] {
  let decider = false;
  return chains.map((c) => {
    const last = c.hops[c.hops.length - 1]!;
    const base = {
      roles: c.hops.map((h) => h.role),
      imported: isImported(last),
      ...(last.imported ? { source: last.imported } : {}),
      ...(last.signers !== undefined ? { signers: last.signers } : {}),
      keys: last.keys,
      threshold: last.threshold,
      text: phrase(c.hops),
    };
    if (!c.target) return { ...base, status: 'not-verified', reason: c.error ?? 'not verified' };
    const listed = { length: c.target.length, hashes: { ...c.target.hashes } };
    if (!sameTarget(listed, decided))
      return {
        ...base,
        ...listed,
        status: 'disagrees',
        reason: `lists ${short(listed)}, not the ${short(decided)} that verify decided on`,
      };
    const status = decider ? 'agrees' : 'decides';
    decider = true;
    return { ...base, ...listed, status };
  });
}

/**
 * Lines for people: one summary of the chains that sign the target alike (imported ones
 * first), then, when there is more than one chain, each chain with its status.
 */
export function formatChains(targetPath: string, reports: ChainReport[]): string[] {
  const good = reports.filter((r) => r.status === 'decides' || r.status === 'agrees');
  const ordered = [...good.filter((r) => r.imported), ...good.filter((r) => !r.imported)];
  const lines = [
    `Target ${JSON.stringify(targetPath)}: ${ordered.map((r) => r.text).join('; ') || 'no chain verifies'}.`,
  ];
  if (reports.length <= 1) return lines;
  lines.push(`Chains of delegations that list it (${reports.length}), in TUF's search order:`);
  for (const r of reports) {
    const status =
      r.status === 'decides'
        ? 'verified; decides (the standard TUF lookup stops here)'
        : r.status === 'agrees'
          ? 'verified; same length and hashes'
          : r.status === 'disagrees'
            ? `verified, but ${r.reason}; it does not count`
            : `NOT verified: ${r.reason}; it does not count`;
    lines.push(`  - ${r.roles.join(' → ')}: ${r.text}: ${status}`);
  }
  return lines;
}

/**
 * `--require-origin`: the imported chain that verifies and agrees with the one that
 * decided; a NotVerifiedError saying what is missing otherwise.
 */
export function requireOrigin(targetPath: string, reports: ChainReport[]): ChainReport {
  const ok = reports.find((r) => r.imported && (r.status === 'decides' || r.status === 'agrees'));
  if (ok) return ok;
  const imported = reports.filter((r) => r.imported);
  const head = `--require-origin: target ${JSON.stringify(targetPath)}`;
  if (imported.length === 0) {
    const by = reports
      .filter((r) => r.status === 'decides' || r.status === 'agrees')
      .map((r) => r.roles[r.roles.length - 1]);
    throw new NotVerifiedError(
      `${head} is not signed through an imported role (${IMPORT_PREFIX}*), only by ${by.join(', ') || 'no verified role'}; a copy made with \`tufci copy --signatures original\` carries the source's signatures`,
    );
  }
  throw new NotVerifiedError(
    `${head}: no imported role verifies and agrees with the chain that decided:\n${imported
      .map((r) => `    - ${r.roles.join(' → ')}: ${r.reason ?? r.status}`)
      .join('\n')}`,
  );
}
