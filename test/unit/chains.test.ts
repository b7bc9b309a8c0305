/**
 * What verify reports about who signs a target (lib/client/chains.ts over
 * DelegationLookup.chains): a destination's targets lists a copied target and delegates,
 * terminating, to `import-web`, the source's role with the source's keys (2 of 3). Both
 * chains are reported; an imported role below its threshold, with tampered bytes or with
 * other hashes is reported as such and fails --require-origin, while the standard lookup
 * still decides; a missing import fails --require-origin; terminating delegations end the
 * walk as in TUF's search.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ChainHop } from '../../lib/client/delegations.js';
import {
  assessChains,
  formatChains,
  requireOrigin,
  sameTarget,
  type ChainReport,
} from '../../lib/client/chains.js';
import { NotVerifiedError } from '../../lib/errors.js';
import { lookup, newKey, role, type Listed, type Rule } from '../helpers/signed-roles.js';

const PATH = 'apps/web:v1';
const WEB: Listed = { length: 4096, sha256: createHash('sha256').update('web').digest('hex') };
const OTHER: Listed = { length: 4096, sha256: createHash('sha256').update('other').digest('hex') };
const SOURCE = 'oci://src.example/acme/tuf';

describe('chains of delegations that list a target', () => {
  const top = newKey();
  const [s1, s2, s3] = [newKey(), newKey(), newKey()];
  const topHop: ChainHop = {
    role: 'targets',
    keyIDs: [top.keyid],
    keys: 1,
    threshold: 1,
    signers: 1,
  };
  const importRule = (o: Partial<Rule> = {}): Rule => ({
    name: 'import-web',
    keys: [s1, s2, s3],
    threshold: 2,
    paths: [PATH],
    terminating: true,
    extra: { 'x-tufci-import': { repository: SOURCE, role: 'targets' } },
    ...o,
  });
  /** The destination: its targets lists PATH (when `attest`) and delegates to `rules`. */
  const destination = (rules: Rule[], attest = true) =>
    role([top], { targets: attest ? { [PATH]: WEB } : {}, rules });
  /** The source's role: signed by `signers`, listing PATH as `listed`. */
  const sourceRole = (signers = [s1, s2], listed = WEB) =>
    role(signers, { targets: { [PATH]: listed, 'apps/api:v2': OTHER }, version: 7 });

  /** The standard lookup's answer and the assessed chains, as verify computes them. */
  async function assess(
    top: ReturnType<typeof destination>,
    roles: Parameters<typeof lookup>[1],
  ): Promise<ChainReport[]> {
    const l = lookup(top, roles);
    const decided = await l.find(PATH);
    expect(decided, 'the standard lookup finds the target').toBeDefined();
    return assessChains(await l.chains(PATH, topHop), decided!);
  }

  it('reports the attestation and the imported chain, 2 of 3 keys, and --require-origin passes', async () => {
    const reports = await assess(destination([importRule()]), { 'import-web': sourceRole() });
    expect(reports.map((r) => [r.roles.join('>'), r.status, r.imported])).toEqual([
      ['targets', 'decides', false],
      ['targets>import-web', 'agrees', true],
    ]);
    expect(reports[1]).toMatchObject({
      signers: 2,
      keys: 3,
      threshold: 2,
      source: { repository: SOURCE, role: 'targets' },
    });
    const lines = formatChains(PATH, reports);
    expect(lines[0]).toBe(
      `Target "${PATH}": signed by the source's role "targets" (${SOURCE}) through import-web, 2 of 3 keys (threshold 2); attested by targets, 1 of 1 key (threshold 1).`,
    );
    expect(lines.slice(1).join('\n')).toContain(
      'targets → import-web: signed by the source\'s role "targets"',
    );
    expect(requireOrigin(PATH, reports).roles).toEqual(['targets', 'import-web']);
  });

  it('an imported role only (scenario 3) decides, and --require-origin passes', async () => {
    const reports = await assess(destination([importRule()], false), {
      'import-web': sourceRole(),
    });
    expect(reports.map((r) => r.status)).toEqual(['decides']);
    expect(formatChains(PATH, reports)).toHaveLength(1);
    expect(requireOrigin(PATH, reports).imported).toBe(true);
  });

  it('no imported chain: --require-origin fails and says why', async () => {
    const reports = await assess(destination([]), {});
    expect(reports.map((r) => r.status)).toEqual(['decides']);
    expect(formatChains(PATH, reports)).toEqual([
      `Target "${PATH}": attested by targets, 1 of 1 key (threshold 1).`,
    ]);
    expect(() => requireOrigin(PATH, reports)).toThrow(NotVerifiedError);
    expect(() => requireOrigin(PATH, reports)).toThrow(
      /--require-origin: target "apps\/web:v1" is not signed through an imported role \(import-\*\), only by targets/,
    );
  });

  it('an imported role below its threshold is reported as not verified and fails --require-origin', async () => {
    const reports = await assess(destination([importRule()]), {
      'import-web': sourceRole([s1]),
    });
    expect(reports.map((r) => r.status)).toEqual(['decides', 'not-verified']);
    expect(reports[1]!.reason).toMatch(
      /import-web\.json: signed by 1 distinct key\(s\).*2 required/,
    );
    const lines = formatChains(PATH, reports).join('\n');
    expect(lines).toContain('targets → import-web: signed by the source\'s role "targets"');
    expect(lines).toContain('NOT verified: import-web.json: signed by 1 distinct key(s)');
    // the summary names only what verifies
    expect(formatChains(PATH, reports)[0]).toBe(
      `Target "${PATH}": attested by targets, 1 of 1 key (threshold 1).`,
    );
    expect(() => requireOrigin(PATH, reports)).toThrow(
      /no imported role verifies and agrees with the chain that decided:\n {4}- targets → import-web: import-web\.json: signed by 1 distinct key/,
    );
  });

  it('tampered bytes of the imported role: no signature verifies; the standard lookup still decides', async () => {
    const json = sourceRole().toJSON() as unknown as {
      signed: { targets: Record<string, Listed> };
    };
    json.signed.targets['apps/api:v2']!.length = 1; // another target: PATH's entry is unchanged
    const reports = await assess(destination([importRule()]), {
      'import-web': JSON.stringify(json),
    });
    expect(reports.map((r) => r.status)).toEqual(['decides', 'not-verified']);
    expect(reports[1]!.reason).toMatch(/signed by 0 distinct key\(s\)/);
    expect(() => requireOrigin(PATH, reports)).toThrow(NotVerifiedError);
  });

  it('an imported role that lists other hashes disagrees and fails --require-origin', async () => {
    const reports = await assess(destination([importRule()]), {
      'import-web': sourceRole([s1, s2], OTHER),
    });
    expect(reports.map((r) => r.status)).toEqual(['decides', 'disagrees']);
    expect(reports[1]!.reason).toBe(
      `lists 4096 bytes, sha256 ${OTHER.sha256}, not the 4096 bytes, sha256 ${WEB.sha256} that verify decided on`,
    );
    expect(formatChains(PATH, reports).join('\n')).toContain('verified, but lists 4096 bytes');
    expect(() => requireOrigin(PATH, reports)).toThrow(/lists 4096 bytes, sha256 /);
  });

  it('a failing imported role never decides: without the attestation the standard lookup fails', async () => {
    const l = lookup(destination([importRule()], false), { 'import-web': sourceRole([s1]) });
    await expect(l.find(PATH)).rejects.toThrow(/import-web\.json: signed by 1 distinct key/);
    const chains = await l.chains(PATH, topHop);
    expect(chains).toHaveLength(1);
    expect(chains[0]!.target).toBeUndefined();
  });

  it('a terminating delegation ends the walk after its subtree; a non-terminating one does not', async () => {
    const other = newKey();
    const later: Rule = { name: 'later', keys: [other], paths: ['apps/*'] };
    const roles = {
      'import-web': sourceRole(),
      later: role([other], { targets: { [PATH]: WEB } }),
    };
    const terminating = await assess(destination([importRule(), later]), roles);
    expect(terminating.map((r) => r.roles.at(-1))).toEqual(['targets', 'import-web']);
    const open = await assess(destination([importRule({ terminating: false }), later]), roles);
    expect(open.map((r) => [r.roles.at(-1), r.status])).toEqual([
      ['targets', 'decides'],
      ['import-web', 'agrees'],
      ['later', 'agrees'],
    ]);
    expect(formatChains(PATH, open)[0]).toBe(
      `Target "${PATH}": signed by the source's role "targets" (${SOURCE}) through import-web, 2 of 3 keys (threshold 2); attested by targets, 1 of 1 key (threshold 1); attested by later through targets → later, 1 of 1 key (threshold 1).`,
    );
  });

  it('an import-* role without x-tufci-import is still an imported chain; cycles end', async () => {
    const a = newKey();
    const loop: Rule = { name: 'loop', keys: [a], paths: ['apps/*'] };
    const reports = await assess(
      destination([importRule({ extra: {}, terminating: false }), loop]),
      {
        'import-web': sourceRole(),
        loop: role([a], { rules: [{ ...loop }] }),
      },
    );
    expect(reports.map((r) => r.roles.join('>'))).toEqual(['targets', 'targets>import-web']);
    expect(reports[1]!.text).toBe(
      'signed by the imported role "import-web" through import-web, 2 of 3 keys (threshold 2)',
    );
    expect(requireOrigin(PATH, reports).status).toBe('agrees');
  });

  it('sameTarget: length and every common hash, at least one in common', () => {
    const t = { length: 3, hashes: { sha256: 'aa', sha512: 'bb' } };
    expect(sameTarget(t, { length: 3, hashes: { sha256: 'aa' } })).toBe(true);
    expect(sameTarget(t, { length: 4, hashes: { sha256: 'aa' } })).toBe(false);
    expect(sameTarget(t, { length: 3, hashes: { sha256: 'aa', sha512: 'cc' } })).toBe(false);
    expect(sameTarget(t, { length: 3, hashes: { md5: 'aa' } })).toBe(false);
  });
});
