/**
 * The carried @tufjs/models patch (patches/@tufjs+models+4.1.1.patch) must be in effect in
 * node_modules and in every action bundle that carries the library. Without it, reading a
 * targets.json copies the whole target map once per target (quadratic).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Metadata, MetadataKind } from '@tufjs/models';
import type { Targets } from '@tufjs/models';
import { describe, expect, it } from 'vitest';

const MARKER = 'function tufciLinearMap';
const PATCHED_FILES = ['targets.js', 'snapshot.js', 'delegations.js', 'root.js'];
// the original code: `...acc, [path]: file_1.TargetFile.fromJSON(path, target)` and the like
const QUADRATIC = /\.\.\.acc,\s*\[\w+\]:\s*[\w$]+\.(TargetFile|MetaFile|Key)\.fromJSON\(/;

const root = new URL('../..', import.meta.url).pathname;
const modelsDist = dirname(createRequire(import.meta.url).resolve('@tufjs/models'));

type JSONObject = Parameters<typeof Metadata.fromJSON>[1];

function bigTargets(n: number) {
  const targets: Record<string, { length: number; hashes: { sha256: string } }> = {};
  for (let i = 0; i < n; i++)
    targets[`dir${i % 7}/file-${i}.txt`] = {
      length: i,
      hashes: { sha256: i.toString(16).padStart(64, '0') },
    };
  return {
    signed: {
      _type: 'targets',
      spec_version: '1.0.31',
      version: 1,
      expires: '2030-01-01T00:00:00Z',
      targets,
    },
    signatures: [],
  };
}

/**
 * Runs `fn` with Array.prototype.reduce counting its callback calls; past `limit` it throws,
 * so the unpatched, quadratic code (one reduce step per target) fails at once, not slowly.
 */
function withReduceLimit<T>(limit: number, fn: () => T): T {
  const original = Array.prototype.reduce;
  let calls = 0;
  type Reduce = (
    this: unknown[],
    cb: (...args: unknown[]) => unknown,
    ...init: unknown[]
  ) => unknown;
  const counting: Reduce = function (cb, ...init) {
    const counted = (...args: unknown[]): unknown => {
      if (++calls > limit) throw new Error(`reduce called more than ${limit} times`);
      return cb(...args);
    };
    return (original as unknown as Reduce).call(this, counted, ...init);
  };
  Array.prototype.reduce = counting as typeof original;
  try {
    return fn();
  } finally {
    Array.prototype.reduce = original;
  }
}

describe('@tufjs/models patch in node_modules', () => {
  it.each(PATCHED_FILES)('%s builds its maps in one pass', (file) => {
    const src = readFileSync(join(modelsDist, file), 'utf8');
    expect(src).toContain(MARKER);
    expect(src).not.toContain('...acc');
  });

  it('parses and serialises a 20k-target targets.json without a per-target reduce', () => {
    const data = bigTargets(20_000);
    const md = withReduceLimit(100, () =>
      Metadata.fromJSON(MetadataKind.Targets, data as unknown as JSONObject),
    ) as Metadata<Targets>;
    expect(Object.keys(md.signed.targets)).toHaveLength(20_000);
    expect(md.signed.targets['dir4/file-12345.txt']?.length).toBe(12_345);
    // the same plain JSON back, in the same key order
    const back = withReduceLimit(100, () => md.signed.toJSON());
    expect(JSON.stringify(back)).toBe(JSON.stringify(data.signed));
  });

  it('keeps the library behaviour for snapshot meta and delegations', () => {
    const snapshot = Metadata.fromJSON(MetadataKind.Snapshot, {
      signed: {
        _type: 'snapshot',
        spec_version: '1.0.31',
        version: 2,
        expires: '2030-01-01T00:00:00Z',
        meta: { 'targets.json': { version: 3 }, 'a.json': { version: 1, length: 5 } },
      },
      signatures: [],
    } as unknown as JSONObject);
    expect(Object.keys(snapshot.signed.meta)).toEqual(['targets.json', 'a.json']);
    expect(snapshot.signed.toJSON()).toMatchObject({
      meta: { 'targets.json': { version: 3 }, 'a.json': { version: 1, length: 5 } },
    });
    const root = Metadata.fromJSON(MetadataKind.Root, {
      signed: {
        _type: 'root',
        spec_version: '1.0.31',
        version: 1,
        expires: '2030-01-01T00:00:00Z',
        consistent_snapshot: true,
        keys: {},
        roles: Object.fromEntries(
          ['root', 'targets', 'snapshot', 'timestamp'].map((r) => [
            r,
            { keyids: [], threshold: 1 },
          ]),
        ),
      },
      signatures: [],
    } as unknown as JSONObject);
    expect(Object.keys(root.signed.toJSON().roles as object)).toEqual([
      'root',
      'targets',
      'snapshot',
      'timestamp',
    ]);
    const key = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: 'ab'.repeat(32) } };
    const role = (name: string) => ({
      name,
      keyids: ['k1'],
      threshold: 1,
      terminating: false,
      paths: [`${name}/*`],
    });
    const data = bigTargets(0);
    const env = {
      ...data,
      signed: {
        ...data.signed,
        delegations: { keys: { k1: key }, roles: [role('b'), role('a'), role('b')] },
      },
    };
    const t = Metadata.fromJSON(
      MetadataKind.Targets,
      env as unknown as JSONObject,
    ) as Metadata<Targets>;
    // a repeated name keeps its first position and the last value, as the object spread did
    expect(Object.keys(t.signed.delegations?.roles ?? {})).toEqual(['b', 'a']);
    expect(Object.keys(t.signed.delegations?.keys ?? {})).toEqual(['k1']);
  });
});

describe('@tufjs/models patch in the action bundles', () => {
  const bundles = readdirSync(join(root, 'actions'))
    .map((a) => join('actions', a, 'dist', 'index.js'))
    .filter((p) => existsSync(join(root, p)));

  it('finds the bundles', () => {
    expect(bundles.length).toBeGreaterThan(0);
  });

  it.each(bundles)('%s carries the patched maps wherever it carries @tufjs/models', (bundle) => {
    const code = readFileSync(join(root, bundle), 'utf8');
    if (!/TargetFile\.fromJSON\(/.test(code)) return; // this action does not bundle the library
    expect(code.split(MARKER).length - 1).toBeGreaterThanOrEqual(PATCHED_FILES.length);
    expect(code).not.toMatch(QUADRATIC);
  });
});
