/**
 * A corpus of hostile metadata, pushed to a real git remote as a contributor would push
 * it: each NAMED bad input (a table of name → mutation) is refused by `tufci event
 * update` (what CI runs on every unreviewed push) and `tufci status`, with the file and
 * the field named and no stack trace, and nothing is written anywhere: the world lives
 * in a parent directory of its own, and every file under it is hashed before and after.
 * Properties (fast-check) cover the functions behind the refusals, over generated
 * variants: role names, target paths, canonical JSON and metadata loading.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { canonicalize } from '@tufjs/canonical-json';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TufciError } from '../../lib/errors.js';
import { checkDelegatedRoleName, checkMetaFileName, checkRoleName } from '../../lib/tuf/names.js';
import { parseEnvelope, signedBytes } from '../../lib/tuf/envelope.js';
import { checkTargetPath } from '../../lib/tuf/target-files.js';
import type { Envelope, RootSigned, TargetsSigned } from '../../lib/tuf/types.js';
import { World, git } from '../helpers/world.js';

/** path → sha256 of every file under `root`, and every directory: what "nothing written" means. */
function hashTree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        out.set(`${relative(root, p)}/`, 'dir');
        walk(p);
      } else if (e.isFile())
        out.set(relative(root, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
      else out.set(relative(root, p), `other:${statSync(p, { throwIfNoEntry: false })?.mode}`);
    }
  };
  walk(root);
  return out;
}

function treeDiff(before: Map<string, string>, after: Map<string, string>): string[] {
  const changed: string[] = [];
  for (const [p, h] of after) if (before.get(p) !== h) changed.push(`${p} (new or changed)`);
  for (const p of before.keys()) if (!after.has(p)) changed.push(`${p} (removed)`);
  return changed;
}

type Json = Record<string, unknown>;
const TWIN = 'f'.repeat(64);

/** A named bad input: the metadata file it is pushed in, and how that file is spoiled. */
interface BadInput {
  file: 'targets' | 'root';
  /** Change the parsed envelope, or return replacement text for the whole file. */
  spoil: (env: Envelope) => void | string;
  /** What the refusal must name besides the file: a field, a value. */
  names: RegExp;
}

const delegation =
  (name: unknown, extra: Json = {}) =>
  (env: Envelope) => {
    (env.signed as TargetsSigned).delegations = {
      keys: {},
      roles: [
        { name, keyids: [], threshold: 1, paths: ['*'], terminating: false, ...extra } as never,
      ],
    };
  };
const target = (path: string) => (env: Envelope) => {
  (env.signed as TargetsSigned).targets[path] = {
    length: 1,
    hashes: { sha256: '0'.repeat(64) },
  };
};
const signed = (edit: (s: Json) => unknown) => (env: Envelope) => {
  edit(env.signed as never);
};
const ROLE = /field "signed\.delegations\.roles\[0\]\.name"/;
const PATH = /^error: metadata\/targets\.json targets: target path ".*" escapes targets\//s;

const CORPUS: Record<string, BadInput> = {
  // role names that would become paths or URLs
  'role name climbing out with ..': { file: 'targets', spoil: delegation('../../x'), names: ROLE },
  'role name with a slash': { file: 'targets', spoil: delegation('a/b'), names: ROLE },
  'role name absolute': { file: 'targets', spoil: delegation('/etc/passwd'), names: ROLE },
  'role name hidden (leading dot)': { file: 'targets', spoil: delegation('.git'), names: ROLE },
  'role name ".." alone': { file: 'targets', spoil: delegation('..'), names: ROLE },
  'role name with a NUL': { file: 'targets', spoil: delegation('a\u0000b'), names: ROLE },
  'role name with an escape sequence': {
    file: 'targets',
    spoil: delegation('x\u001b[2J'),
    names: ROLE,
  },
  'role name with a newline': { file: 'targets', spoil: delegation('a\nb'), names: ROLE },
  'role name with a backslash': { file: 'targets', spoil: delegation('a\\..\\b'), names: ROLE },
  'role name "root"': { file: 'targets', spoil: delegation('root'), names: ROLE },
  'role name "timestamp"': { file: 'targets', spoil: delegation('timestamp'), names: ROLE },
  'role name "root_history"': { file: 'targets', spoil: delegation('root_history'), names: ROLE },
  'role name ending in .json': { file: 'targets', spoil: delegation('x.json'), names: ROLE },
  'role name of 200 characters': {
    file: 'targets',
    spoil: delegation('a'.repeat(200)),
    names: ROLE,
  },
  'role name empty': { file: 'targets', spoil: delegation(''), names: ROLE },
  'role name not a string': { file: 'targets', spoil: delegation(7), names: ROLE },
  'role name with a space and URL syntax': {
    file: 'targets',
    spoil: delegation('a b?c#d'),
    names: ROLE,
  },
  'one role delegated twice': {
    file: 'targets',
    spoil: (env) => {
      delegation('dup')(env);
      const d = (env.signed as TargetsSigned).delegations!;
      d.roles!.push({ ...d.roles![0]! });
    },
    names: /field "signed\.delegations\.roles\[1\]\.name": role "dup" is delegated twice/,
  },
  'both roles and succinct_roles': {
    file: 'targets',
    spoil: (env) => {
      delegation('ok')(env);
      (env.signed as TargetsSigned).delegations!.succinct_roles = {
        bit_length: 1,
        name_prefix: 'bin',
        keyids: [],
        threshold: 1,
      };
    },
    names: /field "signed\.delegations" has both/,
  },
  'succinct name_prefix climbing out': {
    file: 'targets',
    spoil: (env) => {
      (env.signed as TargetsSigned).delegations = {
        keys: {},
        succinct_roles: { bit_length: 1, name_prefix: '../bin', keyids: [], threshold: 1 },
      };
    },
    names: /field "signed\.delegations\.succinct_roles\.name_prefix"/,
  },
  // target paths that would escape targets/
  'target path climbing out': { file: 'targets', spoil: target('../../etc/x'), names: PATH },
  'target path absolute': { file: 'targets', spoil: target('/etc/passwd'), names: PATH },
  'target path with an empty segment': { file: 'targets', spoil: target('a//b'), names: PATH },
  'target path with a "." segment': { file: 'targets', spoil: target('a/./b'), names: PATH },
  'target path ending in ..': { file: 'targets', spoil: target('a/..'), names: PATH },
  'target path with a backslash': { file: 'targets', spoil: target('a\\..\\b'), names: PATH },
  'target path with a drive letter': { file: 'targets', spoil: target('C:evil'), names: PATH },
  'target path empty': { file: 'targets', spoil: target(''), names: PATH },
  'target path with a trailing slash': { file: 'targets', spoil: target('dir/'), names: PATH },
  // malformed metadata
  'not JSON': { file: 'targets', spoil: () => '{"signed": ', names: /malformed JSON/ },
  'a JSON array': { file: 'targets', spoil: () => '[]', names: /field "signed\._type"/ },
  'signed is null': {
    file: 'targets',
    spoil: (env) => void ((env as unknown as Json).signed = null),
    names: /field "signed\._type"/,
  },
  'type of another role': {
    file: 'targets',
    spoil: signed((s) => (s._type = 'snapshot')),
    names: /field "signed\._type" is "snapshot", expected "targets"/,
  },
  'unknown type': {
    file: 'targets',
    spoil: signed((s) => (s._type = 'mirrors')),
    names: /field "signed\._type" must be one of/,
  },
  'targets not an object': {
    file: 'targets',
    spoil: signed((s) => (s.targets = [])),
    names: /field "signed\.targets" must be an object/,
  },
  'version is a string': {
    file: 'targets',
    spoil: signed((s) => (s.version = '2')),
    names: /invalid targets metadata: .*version/,
  },
  'expires is not a date': {
    file: 'targets',
    spoil: signed((s) => (s.expires = 'tomorrow')),
    names: /field "signed\.expires": "tomorrow" is not a date as TUF writes it/,
  },
  'spec_version of another major': {
    file: 'targets',
    spoil: signed((s) => (s.spec_version = '2.0.0')),
    names: /invalid targets metadata: .*spec/i,
  },
  'target length negative': {
    file: 'targets',
    spoil: (env) =>
      void ((env.signed as TargetsSigned).targets['a.txt'] = {
        length: -1,
        hashes: { sha256: '0'.repeat(64) },
      }),
    names: /invalid targets metadata|length/,
  },
  'target hashes not an object': {
    file: 'targets',
    spoil: (env) =>
      void ((env.signed as TargetsSigned).targets['a.txt'] = { length: 1, hashes: 'x' } as never),
    names: /invalid targets metadata/,
  },
  'signatures not a list': {
    file: 'targets',
    spoil: (env) => void ((env as unknown as Json).signatures = {}),
    names: /invalid targets metadata/,
  },
  'names that sort differently by UTF-16 and by code point': {
    file: 'targets',
    spoil: (env) =>
      void ((env.signed as TargetsSigned).targets['a.txt'] = {
        length: 1,
        hashes: { sha256: '0'.repeat(64) },
        custom: { '\u{1D11E}': 1, '\uE000': 2 },
      }),
    names: /sort differently by UTF-16 \(tuf-js\) and by code point/,
  },
  'delegated key of an unknown type': {
    file: 'targets',
    spoil: (env) => {
      delegation('ok')(env);
      (env.signed as TargetsSigned).delegations!.keys[TWIN] = {
        keytype: 'dsa',
        scheme: 'dsa',
        keyval: { public: 'x' },
      };
    },
    names: /key f{64}: unknown key type "dsa"/,
  },
  'delegated key with a scheme that does not fit': {
    file: 'targets',
    spoil: (env) => {
      delegation('ok')(env);
      (env.signed as TargetsSigned).delegations!.keys[TWIN] = {
        keytype: 'ed25519',
        scheme: 'ecdsa-sha2-nistp256',
        keyval: { public: 'ab'.repeat(32) },
      };
    },
    names: /key f{64}: scheme "ecdsa-sha2-nistp256" does not fit key type "ed25519"/,
  },
  // root
  'root naming a role beyond the four': {
    file: 'root',
    spoil: signed((s) => ((s.roles as Json)['../../outside'] = { keyids: [], threshold: 1 })),
    names: /field "signed\.roles": "\.\.\/\.\.\/outside" is not a top-level role/,
  },
  'root naming a delegated role': {
    file: 'root',
    spoil: signed((s) => ((s.roles as Json).releases = { keyids: [], threshold: 1 })),
    names: /field "signed\.roles": "releases"/,
  },
  'root listing one key under two keyids': {
    file: 'root',
    spoil: (env) => {
      const r = env.signed as RootSigned;
      const [id] = r.roles.targets!.keyids;
      r.keys[TWIN] = r.keys[id!]!;
      r.roles.targets = { keyids: [id!, TWIN], threshold: 2 };
    },
    names: /role "targets" lists one key under two keyids/,
  },
  'root threshold zero': {
    file: 'root',
    spoil: signed((s) => ((s.roles as Record<string, Json>).targets!.threshold = 0)),
    names: /invalid root metadata|threshold/,
  },
  'root consistent_snapshot not a boolean': {
    file: 'root',
    spoil: signed((s) => (s.consistent_snapshot = 'yes')),
    names: /invalid root metadata|consistent_snapshot/,
  },
  'root key of an unknown type': {
    file: 'root',
    spoil: signed((s) => {
      (s.keys as Json)[TWIN] = { keytype: 'dsa', scheme: 'dsa', keyval: { public: 'x' } };
    }),
    names: /key f{64}: unknown key type "dsa"/,
  },
};

describe('a corpus of named bad inputs: refused with the file and field named, nothing written', () => {
  const parent = mkdtempSync(join(tmpdir(), 'tufci-corpus-'));
  const savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = parent;
  const w = new World();
  const alice = w.clone('alice');
  const bob = w.clone('bob');
  const ci = w.ci();

  beforeAll(async () => {
    await w.bootstrap([alice, bob], 1);
  }, 120_000);
  afterAll(() => {
    process.env.TMPDIR = savedTmp;
    rmSync(parent, { recursive: true, force: true });
  });

  it('holds at least 40 named inputs', () => {
    expect(Object.keys(CORPUS).length).toBeGreaterThanOrEqual(40);
  });

  it.each(Object.entries(CORPUS))('%s', async (name, bad) => {
    const branch = `sign/bad-${createHash('sha256').update(name).digest('hex').slice(0, 10)}`;
    w.sync(bob, 'main');
    git(bob.dir, 'checkout', '-qB', branch);
    const path = join(bob.dir, 'metadata', `${bad.file}.json`);
    const env = JSON.parse(readFileSync(path, 'utf8')) as Envelope;
    const text = bad.spoil(env);
    writeFileSync(path, typeof text === 'string' ? text : JSON.stringify(env, null, 2) + '\n');
    git(bob.dir, 'commit', '-qam', `bad input: ${name}`);
    git(bob.dir, 'push', '-q', 'origin', `HEAD:refs/heads/${branch}`);
    w.sync(ci, branch);
    const before = hashTree(parent);
    for (const args of [
      ['event', 'update', '--push'],
      ['status', '--no-fetch'],
    ]) {
      const r = await ci.tufci(...args);
      expect(r.code, `${args[0]}: ${r.err}`).toBe(1);
      expect(r.err, args[0]).toMatch(new RegExp(`^error: metadata/${bad.file}\\.json[: ]`));
      expect(r.err, args[0]).toMatch(bad.names);
      expect(r.err, args[0]).not.toMatch(/\n\s+at |internal error|TypeError/);
    }
    expect(treeDiff(before, hashTree(parent))).toEqual([]);
    expect(w.remoteRef(branch)).toBe(git(bob.dir, 'rev-parse', 'HEAD').trim());
  });
});

describe('properties of the checks behind the refusals (fast-check)', () => {
  const good = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,40}$/);
  const hostileChar = fc.constantFrom(
    '/',
    '\\',
    '\u0000',
    '\n',
    '\t',
    '\u001b',
    ' ',
    '?',
    '#',
    '%',
  );

  it('role names: anything with a hostile character, "..", a leading dot or a reserved name is refused, naming where', () => {
    const hostile = fc.oneof(
      fc.tuple(good, hostileChar, good).map(([a, c, b]) => a + c + b),
      fc.tuple(good, good).map(([a, b]) => `${a}..${b}`),
      good.map((a) => `.${a}`),
      good.map((a) => `${a}.json`),
      fc.constantFrom('root_history', '', '..', '.'),
      fc.string({ minLength: 129, maxLength: 300, unit: 'grapheme-ascii' }),
    );
    fc.assert(
      fc.property(hostile, (name) => {
        expect(() => checkRoleName(name, 'metadata/x.json: field "f"')).toThrow(
          /^metadata\/x\.json: field "f": .* is not a valid role name/s,
        );
        expect(() => checkMetaFileName(`${name}.json`, 'snapshot')).toThrow(/^snapshot: /);
      }),
      { numRuns: 300 },
    );
  });

  it('role names: plain names are accepted, top-level names refused for a delegation', () => {
    fc.assert(
      fc.property(good, (name) => {
        expect(() => checkRoleName(name)).not.toThrow();
        expect(() => checkMetaFileName(`${name}.json`, 'm')).not.toThrow();
      }),
    );
    for (const top of ['root', 'targets', 'snapshot', 'timestamp'])
      expect(() => checkDelegatedRoleName(top, 'where')).toThrow(/^where: .*top-level/);
  });

  it('target paths: an accepted path stays under targets/, a refused one names the file', () => {
    const root = resolve('/repo/targets');
    const segment = fc.oneof(
      good,
      fc.constantFrom('..', '.', '', 'C:', 'a\\b', '\u0000'),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), fc.boolean(), (segs, abs) => {
        const path = (abs ? '/' : '') + segs.join('/');
        let accepted = true;
        try {
          checkTargetPath(path, 'metadata/targets.json targets');
        } catch (e) {
          accepted = false;
          expect((e as Error).message).toMatch(/^metadata\/targets\.json targets: target path/);
        }
        if (accepted) {
          const full = resolve(root, ...path.split('/'));
          expect(full.startsWith(root + sep), path).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('canonical JSON: the signed bytes do not depend on key order or formatting', () => {
    const shuffled = (v: unknown, seed: number): unknown => {
      if (Array.isArray(v)) return v.map((x) => shuffled(x, seed));
      if (v === null || typeof v !== 'object') return v;
      const entries = Object.entries(v).map(([k, x]) => [k, shuffled(x, seed)] as const);
      entries.sort((a, b) => ((a[0].length * 31 + seed) % 7) - ((b[0].length * 31 + seed) % 7));
      return Object.fromEntries(entries.reverse());
    };
    const value = fc.jsonValue({ maxDepth: 4 }).filter((v) => {
      try {
        canonicalize(v);
        return true;
      } catch {
        return false;
      }
    });
    fc.assert(
      fc.property(value, fc.integer({ min: 0, max: 6 }), (v, seed) => {
        const env = {
          signed: { _type: 'targets', version: 1, custom: shuffled(v, seed) },
          signatures: [],
        } as unknown as Envelope;
        const plain = { signed: { _type: 'targets', version: 1, custom: v }, signatures: [] };
        let a: Buffer | undefined;
        try {
          a = signedBytes(plain as unknown as Envelope);
        } catch (e) {
          // refused only for names clients would sort differently, with the role named
          expect(e).toBeInstanceOf(TufciError);
          expect((e as Error).message).toMatch(/^targets metadata version 1: names /);
          return;
        }
        expect(signedBytes(env).equals(a)).toBe(true);
        const reparsed = JSON.parse(JSON.stringify(env, null, 3)) as Envelope;
        expect(signedBytes(reparsed).equals(a)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('canonical JSON: names beyond U+FFFF beside U+E000..U+FFFF are refused, not signed', () => {
    const astral = fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c));
    const high = fc.integer({ min: 0xe000, max: 0xffff }).map((c) => String.fromCharCode(c));
    fc.assert(
      fc.property(astral, high, (a, b) => {
        const env = {
          signed: { _type: 'targets', version: 3, custom: { [a]: 1, [b]: 2 } },
          signatures: [],
        } as unknown as Envelope;
        expect(() => signedBytes(env)).toThrow(
          /^targets metadata version 3: names .* sort differently/,
        );
      }),
    );
  });

  it('metadata loading: any JSON text is either valid metadata or refused naming the file', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string()), (text) => {
        try {
          parseEnvelope(text, 'metadata/targets.json', 'targets');
        } catch (e) {
          expect(e).toBeInstanceOf(TufciError);
          expect((e as Error).message).toMatch(/^metadata\/targets\.json: /);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('metadata loading: a valid envelope with a generated field replaced is accepted or refused naming the file', () => {
    const base = {
      signatures: [],
      signed: {
        _type: 'targets',
        spec_version: '1.0.31',
        version: 1,
        expires: '2030-01-01T00:00:00Z',
        targets: { 'a.txt': { length: 1, hashes: { sha256: '0'.repeat(64) } } },
      },
    };
    const fields = fc.constantFrom(
      'signed.version',
      'signed.expires',
      'signed.spec_version',
      'signed.targets',
      'signed.delegations',
      'signed._type',
      'signatures',
      'signed.targets.a.txt',
      'signed.targets.a.txt.length',
      'signed.targets.a.txt.hashes',
    );
    fc.assert(
      fc.property(fields, fc.jsonValue({ maxDepth: 2 }), (field, value) => {
        const env = JSON.parse(JSON.stringify(base)) as Json;
        const parts = field.replace('a.txt', 'a\u0001txt').split('.');
        let at: Json = env;
        for (const p of parts.slice(0, -1)) at = at[p.replace('\u0001', '.')] as Json;
        at[parts.at(-1)!.replace('\u0001', '.')] = value;
        try {
          parseEnvelope(JSON.stringify(env), 'metadata/targets.json', 'targets');
        } catch (e) {
          expect(e).toBeInstanceOf(TufciError);
          expect((e as Error).message).toMatch(/^metadata\/targets\.json: /);
        }
      }),
      { numRuns: 400 },
    );
  });
});
