/**
 * Hash bins in the library: bin names and --bins values, the whole delegation graph read
 * once (bins delegated from a delegated role, roles delegated from a bin), each role's
 * rule found at its delegator, and many changed bins shown as one entry.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { statusMarkdown, statusText } from '../../lib/event/render.js';
import type { EventStatus, RoleStatus } from '../../lib/event/status.js';
import { binBits, binNames, compactRoleNames, binGroups } from '../../lib/tuf/bins.js';
import { RepoDir } from '../../lib/tuf/repo.js';
import { roleKeys } from '../../lib/tuf/roles.js';
import type { DelegationsJson, Envelope, RootSigned } from '../../lib/tuf/types.js';

const common = { spec_version: '1.0.31', version: 1, expires: '2030-01-01T00:00:00Z' };
const key = (n: number) => ({
  keytype: 'ed25519',
  scheme: 'ed25519',
  keyval: { public: n.toString(16).padStart(64, '0') },
});
const root: Envelope = {
  signed: {
    _type: 'root',
    ...common,
    consistent_snapshot: true,
    keys: {},
    roles: Object.fromEntries(
      ['root', 'targets', 'snapshot', 'timestamp'].map((r) => [r, { keyids: [], threshold: 1 }]),
    ),
  },
  signatures: [],
};
const role = (delegations?: DelegationsJson): Envelope => ({
  signed: { _type: 'targets', ...common, targets: {}, ...(delegations ? { delegations } : {}) },
  signatures: [],
});

describe('bin names and --bins', () => {
  it('names bins as TAP 15 does, hex zero-padded to the last bin', () => {
    expect(binNames({ bit_length: 1, name_prefix: 'b' })).toEqual(['b-0', 'b-1']);
    const n = binNames({ bit_length: 10, name_prefix: 'bins' });
    expect(n).toHaveLength(1024);
    expect([n[0], n[10], n[1023]]).toEqual(['bins-000', 'bins-00a', 'bins-3ff']);
  });

  it('takes powers of two from 2 to 16384 and names --bins otherwise', () => {
    expect(binBits('2')).toBe(1);
    expect(binBits('1024')).toBe(10);
    expect(binBits('16384')).toBe(14);
    for (const bad of ['1', '0', '3', '1000', '32768', '-4', '1e3', 'x', ''])
      expect(() => binBits(bad)).toThrow(`--bins ${JSON.stringify(bad)}: the number of bins`);
  });

  it('writes runs of bins compactly, other roles as they are', () => {
    const groups = new Map(
      binNames({ bit_length: 4, name_prefix: 'bins' }).map((b) => [b, 'bins']),
    );
    expect(compactRoleNames(['targets', 'bins-3', 'bins-0', 'bins-f', 'bins-7'], groups)).toBe(
      'targets, bins-0 … bins-f (4 bins)',
    );
    expect(compactRoleNames(['bins-1', 'bins-2'], groups)).toBe('bins-1, bins-2');
  });
});

describe('RepoDir reads the whole delegation graph once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tufci-bins-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('targets → packages → 4 bins → a role delegated from a bin; rules from each delegator', () => {
    mkdirSync(join(dir, 'metadata'));
    const repo = new RepoDir(dir);
    repo.writeRole('root', root, { history: false });
    const k = { a: key(1), b: key(2), c: key(3) };
    repo.writeRole(
      'targets',
      role({
        keys: { a: k.a },
        roles: [
          { name: 'packages', keyids: ['a'], threshold: 1, terminating: true, paths: ['p/*'] },
        ],
      }),
    );
    repo.writeRole(
      'packages',
      role({
        keys: { b: k.b },
        succinct_roles: { bit_length: 2, name_prefix: 'pkg', keyids: ['b'], threshold: 1 },
      }),
    );
    for (const b of binNames({ bit_length: 2, name_prefix: 'pkg' }))
      repo.writeRole(
        b,
        b === 'pkg-2'
          ? role({
              keys: { c: k.c },
              roles: [
                { name: 'proj', keyids: ['c'], threshold: 1, terminating: true, paths: ['p/x/*'] },
              ],
            })
          : role(),
      );
    repo.writeRole('proj', role());
    const roles = repo.readOfflineRoles();
    expect([...roles.keys()]).toEqual([
      'root',
      'targets',
      'packages',
      'pkg-0',
      'pkg-1',
      'pkg-2',
      'pkg-3',
      'proj',
    ]);
    const r = root.signed as RootSigned;
    expect(roleKeys('packages', r, roles)?.keyids).toEqual(['a']);
    expect(roleKeys('pkg-3', r, roles)?.keyids).toEqual(['b']);
    expect(roleKeys('proj', r, roles)?.keyids).toEqual(['c']);
    expect(roleKeys('pkg-4', r, roles)).toBeUndefined();
    expect(binGroups(roles).get('pkg-1')).toBe('pkg');

    // a missing bin: an error by default, left out for event update to create
    rmSync(join(dir, 'metadata', 'pkg-1.json'));
    expect(() => repo.readOfflineRoles()).toThrow('metadata/pkg-1.json: no such metadata file');
    expect(repo.readOfflineRoles({ missingBins: 'skip' }).has('pkg-1')).toBe(false);
  });
});

describe('status shows many changed bins as one entry', () => {
  const req = (signed: boolean) => ({
    threshold: 1,
    signers: [{ name: '@alice', keyid: 'aa', signed }],
    signedCount: signed ? 1 : 0,
    met: signed,
  });
  const bin = (i: number, signed: boolean): RoleStatus => ({
    role: `bins-${i.toString(16).padStart(3, '0')}`,
    version: 2,
    expires: '2030-01-01T00:00:00Z',
    current: req(signed),
    invites: [],
    complete: signed,
    bin: 'bins',
  });
  const roles = [
    { ...bin(0, true), role: 'targets', bin: undefined } as RoleStatus,
    ...Array.from({ length: 12 }, (_, i) => bin(i * 80, i !== 5)),
  ];
  const status: EventStatus = { roles, complete: false, invites: {} };

  it('in the terminal and in the PR comment, with what changed added up', () => {
    const text = statusText('sign/x', status);
    expect(text).toContain(
      '  bins-000 … bins-370 (12 bins) v2 (expires 2030-01-01T00:00:00Z): needs signatures',
    );
    expect(text.filter((l) => /^ {2}bins-[0-9a-f]{3} v/.test(l))).toEqual([]);
    const changes = roles.map((r) => ({
      role: r.role,
      isNew: false,
      version: { old: 1, new: 2 },
      expires: { old: common.expires, new: common.expires },
      added: [{ path: `${r.role}.txt`, length: 3, sha256: 'ab' }],
      modified: [],
      removed: [],
      delegations: [],
      unusedKeys: { added: [], removed: [] },
      otherFields: [],
    }));
    const md = statusMarkdown({ event: 'sign/x', status, changes });
    const rows = md.split('\n').filter((l) => l.startsWith('| '));
    expect(rows).toHaveLength(4); // header, separator, targets, the bins
    expect(rows[3]).toContain('bins-000 … bins-370 (12 bins)');
    expect(rows[3]).toContain('12 bins changed; 12 added');
    expect(rows[3]).toContain('⏳ needs signatures');
    // the account still lists every artifact, with its bin
    expect(md).toContain('+ added    "bins-370.txt"');
    expect(md).toContain('[bins-370]');
  });
});
