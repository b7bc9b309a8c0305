import { describe, expect, it } from 'vitest';
import { describeChanges, roleChanges, summarizeChanges } from '../../lib/event/changes.js';
import type { RoleChanges } from '../../lib/event/changes.js';
import type { Envelope, RootSigned, TargetsSigned } from '../../lib/tuf/types.js';

const h = (c: string): string => c.repeat(64);
const f = (length: number, c: string) => ({ length, hashes: { sha256: h(c) } });

function targets(version: number, t: TargetsSigned['targets'], extra = {}): Envelope {
  return {
    signed: {
      _type: 'targets',
      spec_version: '1.0.31',
      version,
      expires: `2030-01-0${version}T00:00:00Z`,
      targets: t,
      ...extra,
    },
    signatures: [],
  };
}

const key = (o: string) => ({
  keytype: 'ed25519',
  scheme: 'ed25519',
  keyval: { public: o },
  'x-tuf-on-ci-keyowner': o,
});
const root = (ids: string[], threshold: number, extra = {}): Envelope<RootSigned> => ({
  signed: {
    _type: 'root',
    spec_version: '1.0.31',
    version: 1,
    expires: '2030-01-01T00:00:00Z',
    consistent_snapshot: true,
    keys: { a: key('@a'), b: key('@b'), c: key('@c') },
    roles: {
      root: { keyids: ids, threshold },
      targets: { keyids: ['a'], threshold: 1 },
      snapshot: { keyids: ['a'], threshold: 1 },
      timestamp: { keyids: ['a'], threshold: 1 },
    },
    ...extra,
  },
  signatures: [],
});

describe('roleChanges', () => {
  it('sorts artifacts into added, modified and removed', () => {
    const base = targets(1, { 'keep.txt': f(1, 'a'), 'mod.txt': f(2, 'b'), 'gone.txt': f(3, 'c') });
    const next = targets(2, { 'keep.txt': f(1, 'a'), 'mod.txt': f(20, 'd'), 'new.txt': f(4, 'e') });
    const c = roleChanges('targets', base, next);
    expect(c).toMatchObject({
      role: 'targets',
      isNew: false,
      version: { old: 1, new: 2 },
      expires: { old: '2030-01-01T00:00:00Z', new: '2030-01-02T00:00:00Z' },
    });
    expect(c.added).toEqual([{ path: 'new.txt', length: 4, sha256: h('e') }]);
    expect(c.modified).toEqual([
      { path: 'mod.txt', length: 20, sha256: h('d'), old: { length: 2, sha256: h('b') } },
    ]);
    expect(c.removed).toEqual([{ path: 'gone.txt', length: 3, sha256: h('c') }]);
    expect(c.otherFields).toEqual([]);
  });

  it('counts a change of custom data as a modification', () => {
    const base = targets(1, { 'x.txt': f(1, 'a') });
    const next = targets(2, { 'x.txt': { ...f(1, 'a'), custom: { note: 'hi' } } });
    expect(roleChanges('targets', base, next).modified.map((m) => m.path)).toEqual(['x.txt']);
  });

  it('shows the media type of registry artifacts', () => {
    const oci = { oci: { mediaType: 'application/vnd.oci.image.manifest.v1+json' } };
    const c = roleChanges(
      'app',
      undefined,
      targets(1, { 'app/img': { ...f(9, 'a'), custom: oci } }),
    );
    expect(c.isNew).toBe(true);
    expect(c.added[0]!.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
  });

  it('reports delegation changes by signer name, and other changed fields', () => {
    const c = roleChanges(
      'root',
      root(['a', 'b'], 2),
      root(['c', 'a'], 1, { 'x-tuf-on-ci-expiry-period': 100 }),
    );
    expect(c.delegations).toEqual([
      {
        role: 'root',
        old: {
          signers: ['@a', '@b'],
          keys: [
            { owner: '@a', keyid: 'a' },
            { owner: '@b', keyid: 'b' },
          ],
          threshold: 2,
          online: false,
        },
        new: {
          signers: ['@a', '@c'],
          keys: [
            { owner: '@a', keyid: 'a' },
            { owner: '@c', keyid: 'c' },
          ],
          threshold: 1,
          online: false,
        },
        keysAdded: [{ owner: '@c', keyid: 'c' }],
        keysRemoved: [{ owner: '@b', keyid: 'b' }],
        warnings: [],
      },
    ]);
    expect(c.otherFields).toEqual([{ field: 'x-tuf-on-ci-expiry-period', new: '100' }]);
  });

  it('shows a root key swap by keyid, and warns when a label names a signer with another key', () => {
    const swapped = root(['a', 'b'], 2);
    const before = root(['a', 'b'], 2);
    // @b's key replaced by a new key (other material) that still says "@b"
    swapped.signed.keys = { a: key('@a'), b2: { ...key('@b'), keyval: { public: '@b new' } } };
    swapped.signed.roles.root = { keyids: ['a', 'b2'], threshold: 2 };
    const c = roleChanges('root', before, swapped);
    expect(c.delegations[0]).toMatchObject({
      role: 'root',
      keysAdded: [{ owner: '@b', keyid: 'b2' }],
      keysRemoved: [{ owner: '@b', keyid: 'b' }],
    });
    expect(c.delegations[0]!.warnings).toEqual([
      "key b2 is labelled @b, but @b's key in root is b: check with @b that this key is theirs",
    ]);
    const text = describeChanges(c).join('\n');
    expect(text).not.toContain('no content change');
    expect(text).toContain('      + key @b keyid b2');
    expect(text).toContain('      - key @b keyid b');
    expect(text).toContain("      ! warning: key b2 is labelled @b, but @b's key in root is b");
    expect(summarizeChanges(c)).toContain('signers of root (+@b b2, -@b b)');
    expect(summarizeChanges(c)).not.toBe('expiry only');

    // a delegation to a key labelled "@a" that is not @a's key in root
    const t1 = targets(1, {});
    const t2 = targets(
      2,
      {},
      {
        delegations: {
          keys: { evil: { ...key('@a'), keyval: { public: 'evil' } } },
          roles: [
            { name: 'tools', keyids: ['evil'], threshold: 1, paths: ['*'], terminating: false },
          ],
        },
      },
    );
    const d = roleChanges('targets', t1, t2, { root: before.signed.keys });
    expect(d.delegations[0]!.warnings).toEqual([
      "key evil is labelled @a, but @a's key in root is a: check with @a that this key is theirs",
    ]);
    expect(describeChanges(d).join('\n')).toContain(
      '  * signers of tools: none -> @a; threshold 1; paths *',
    );
  });

  it('shows custom and unknown-field changes with their values', () => {
    const t1 = targets(1, { 'a.txt': { ...f(6, 'a'), custom: { tier: 'dev' } } });
    const t2 = targets(
      2,
      { 'a.txt': { ...f(6, 'a'), custom: { tier: 'prod' } } },
      { 'x-evil': 'yes' },
    );
    const lines = describeChanges(roleChanges('targets', t1, t2));
    expect(lines).toContain('  ~ modified "a.txt"  6 B -> 6 B');
    expect(lines).toContain('             custom: {"tier":"dev"} -> {"tier":"prod"}');
    expect(lines).toContain('  * field x-evil: (absent) -> "yes"');
    const long = targets(3, {}, { 'x-long': 'z'.repeat(500) });
    const cut = describeChanges(roleChanges('targets', t1, long)).find((l) =>
      l.includes('x-long'),
    )!;
    expect(cut.length).toBeLessThan(200);
    expect(cut).toMatch(/\.\.\.$/);
  });
});

describe('describeChanges', () => {
  const base: RoleChanges = {
    role: 'targets',
    isNew: false,
    version: { old: 1, new: 2 },
    expires: { old: '2030-01-01T00:00:00Z', new: '2031-01-01T00:00:00Z' },
    added: [],
    modified: [],
    removed: [],
    delegations: [],
    unusedKeys: { added: [], removed: [] },
    otherFields: [],
  };

  it('lists every change with sizes and hashes', () => {
    const lines = describeChanges({
      ...base,
      added: [{ path: 'a.txt', length: 10, sha256: h('a') }],
      modified: [
        {
          path: 'b.bin',
          length: 2048,
          sha256: h('c'),
          old: { length: 3 * 1048576, sha256: h('b') },
        },
      ],
      removed: [{ path: 'c.txt', length: 1, sha256: h('d') }],
      delegations: [
        {
          role: 'app',
          old: undefined,
          new: {
            signers: ['@dave'],
            keys: [{ owner: '@dave', keyid: 'dddddddd11' }],
            threshold: 1,
            paths: ['app/*'],
          },
          keysAdded: [{ owner: '@dave', keyid: 'dddddddd11' }],
          keysRemoved: [],
          warnings: [],
        },
      ],
      otherFields: [{ field: 'x-custom', old: '1', new: '2' }],
    });
    expect(lines).toEqual([
      'Role targets: version 1 -> 2',
      '  expires: 2030-01-01T00:00:00Z -> 2031-01-01T00:00:00Z',
      `  + added    "a.txt"  10 B  sha256:${h('a')}`,
      '  ~ modified "b.bin"  3.0 MiB -> 2.0 KiB',
      `             sha256:${h('b')} -> sha256:${h('c')}`,
      `  - removed  "c.txt"  1 B  sha256:${h('d')}`,
      '  * signers of app: none -> @dave; threshold 1; paths app/*',
      '      + key @dave keyid dddddddd',
      '  * field x-custom: 1 -> 2',
    ]);
  });

  it('escapes control characters in names, so a name cannot rewrite the terminal', () => {
    const lines = describeChanges({
      ...base,
      added: [{ path: 'evil\u001b[2J\u0007\n.txt', length: 1, sha256: h('a') }],
    });
    expect(lines[2]).toContain('"evil\\u001b[2J\\u0007\\n.txt"');
    const controls = [...lines.join('')].filter((c) => c.charCodeAt(0) < 0x20);
    expect(controls).toEqual([]);
  });

  it('says when only version and expiry changed, and names online signers', () => {
    expect(describeChanges(base).at(-1)).toBe('  (no content change: version and expiry only)');
    const lines = describeChanges({
      ...base,
      role: 'root',
      delegations: [
        {
          role: 'timestamp',
          old: {
            signers: ['key 1234'],
            keys: [{ owner: 'key 1234', keyid: '1234', online: true }],
            threshold: 1,
            online: true,
          },
          new: {
            signers: ['key 5678'],
            keys: [{ owner: 'key 5678', keyid: '5678', online: true }],
            threshold: 1,
            online: true,
          },
          keysAdded: [{ owner: 'key 5678', keyid: '5678', online: true }],
          keysRemoved: [{ owner: 'key 1234', keyid: '1234', online: true }],
          warnings: [],
        },
      ],
    });
    expect(lines).toContain(
      '  * signers of timestamp: online key; threshold 1 -> online key; threshold 1',
    );
  });

  it('describes a new role', () => {
    const lines = describeChanges({
      ...base,
      isNew: true,
      version: { new: 1 },
      expires: { new: 'E' },
    });
    expect(lines[0]).toBe('Role targets: new role, version 1');
    expect(lines[1]).toBe('  expires: E');
  });
});
