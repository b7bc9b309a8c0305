/**
 * The pieces that let `event update` take a repository of many hash bins one bin at a
 * time: files git reports unchanged (with their sizes), the walk of targets/, the bin of
 * a path by hash alone, staged writes, the rollback, and (the whole of it) an update that
 * defers bins writes exactly what one that reads every bin up front writes. Real git.
 */
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, sign } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GitRevReader } from '../../lib/event/base.js';
import { updateEvent } from '../../lib/event/update.js';
import { Git } from '../../lib/git/git.js';
import { generateKey } from '../../lib/signers/keyfile.js';
import { freezeEnvelopes, signedBytes, validSignatures } from '../../lib/tuf/envelope.js';
import { binNames } from '../../lib/tuf/bins.js';
import { binOwner, lookupIn, roleForTarget } from '../../lib/tuf/owner.js';
import { RepoDir } from '../../lib/tuf/repo.js';
import { checkTargetPath, listTargetFiles } from '../../lib/tuf/target-files.js';
import type { Envelope, TargetsSigned } from '../../lib/tuf/types.js';
import { pathInside, pathsInside, stageInside } from '../../lib/util/fs.js';
import { withRollback } from '../../lib/util/transaction.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'tufci-bins-update-'));
  dirs.push(d);
  return d;
};
const sh = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@e', ...args], {
    cwd,
    encoding: 'utf8',
  });
const write = (dir: string, rel: string, content: string): void => {
  mkdirSync(join(dir, rel, '..'), { recursive: true });
  writeFileSync(join(dir, rel), content);
};
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('Git.unchangedSince', () => {
  it('lists the files unchanged since a revision with their sizes there, and no others', async () => {
    const d = tmp();
    sh(d, 'init', '-q');
    write(d, 'targets/a.txt', 'aaa');
    write(d, 'targets/sub/b.txt', 'bbbbb');
    write(d, 'targets/sub/c.txt', 'c');
    write(d, 'targets/gone.txt', 'gone');
    write(d, 'targets/staged.txt', 'old');
    write(d, 'other/x.txt', 'x');
    sh(d, 'add', '-A');
    sh(d, 'commit', '-qm', 'base');
    const rev = sh(d, 'rev-parse', 'HEAD').trim();
    write(d, 'targets/sub/c.txt', 'changed, not staged');
    write(d, 'targets/staged.txt', 'new');
    sh(d, 'add', 'targets/staged.txt');
    rmSync(join(d, 'targets/gone.txt'));
    write(d, 'targets/untracked.txt', 'u');
    write(d, 'targets/committed-later.txt', 'later');
    sh(d, 'add', 'targets/committed-later.txt');
    sh(d, 'commit', '-qm', 'later');
    const got = await new Git(d).unchangedSince(rev, 'targets');
    expect([...got].sort()).toEqual([
      ['a.txt', 3],
      ['sub/b.txt', 5],
    ]);
  });
});

describe('listTargetFiles', () => {
  it('walks targets/ in sorted order, leaves out .gitkeep, refuses a symlink', () => {
    const d = tmp();
    for (const p of ['b/z', 'a.txt', 'b/a', 'B', 'a/.gitkeep', 'a/x']) write(d, `targets/${p}`, p);
    expect(listTargetFiles(join(d, 'targets'))).toEqual(['B', 'a/x', 'a.txt', 'b/a', 'b/z']);
    symlinkSync('/etc/passwd', join(d, 'targets/b/link'));
    expect(() => listTargetFiles(join(d, 'targets'))).toThrow('targets/b/link: is a symlink');
    expect(listTargetFiles(join(d, 'nothing'))).toEqual([]);
  });

  it('checkTargetPath refuses every path that could escape targets/, and only those', () => {
    for (const bad of [
      '',
      '/a',
      'a/',
      'a//b',
      '.',
      '..',
      'a/./b',
      'a/../b',
      '../a',
      'a/..',
      'a\\b',
      'C:x',
    ])
      expect(() => checkTargetPath(bad, 'w'), bad).toThrow('escapes targets/');
    for (const ok of ['a', 'a/b', '.a', 'a/..b', '...', 'a/.../b', 'a.', 'x/y.z/..w'])
      expect(() => checkTargetPath(ok, 'w'), ok).not.toThrow();
  });
});

const common = { spec_version: '1.0.31', version: 1, expires: '2030-01-01T00:00:00Z' };
const KEY = {
  keytype: 'ed25519',
  scheme: 'ed25519',
  keyval: { public: 'ab'.repeat(32) },
};
const KEYID = 'k1';
const rootEnv = (): Envelope => ({
  signed: {
    _type: 'root',
    ...common,
    consistent_snapshot: true,
    keys: { [KEYID]: KEY },
    roles: Object.fromEntries(
      ['root', 'targets', 'snapshot', 'timestamp'].map((r) => [
        r,
        { keyids: [KEYID], threshold: 1 },
      ]),
    ),
  },
  signatures: [],
});
const targetsEnv = (bits: number): Envelope<TargetsSigned> => ({
  signed: {
    _type: 'targets',
    ...common,
    targets: {},
    delegations: {
      keys: { [KEYID]: KEY },
      succinct_roles: { bit_length: bits, name_prefix: 'bins', keyids: [KEYID], threshold: 1 },
    },
  },
  signatures: [],
});

describe('binOwner', () => {
  it('gives the bin roleForTarget gives, for any path', () => {
    const roles = new Map<string, Envelope>([['targets', targetsEnv(6)]]);
    const lookup = lookupIn(roles);
    const byHash = binOwner(lookup)!;
    expect(byHash).toBeDefined();
    for (let i = 0; i < 2000; i++) {
      const p = `d${i % 7}/x${(i * 7919) % 10007}-${i.toString(36)}.bin`;
      expect(byHash(p, p)).toBe(roleForTarget(lookup, p, p));
    }
    // a layout of named roles takes the whole search
    const named = targetsEnv(2);
    named.signed.delegations = {
      keys: {},
      roles: [{ name: 'a', keyids: [], threshold: 1, terminating: true, paths: ['a/*'] }],
    };
    expect(binOwner(lookupIn(new Map([['targets', named]])))).toBeUndefined();
  });
});

describe('pathsInside', () => {
  it('accepts and refuses what pathInside does, path by path', () => {
    const d = tmp();
    const out = tmp();
    write(d, 'a/b/file.txt', 'x');
    write(out, 'secret', 's');
    symlinkSync(out, join(d, 'a/out'));
    symlinkSync(join(d, 'a/b'), join(d, 'a/in'));
    symlinkSync(join(out, 'secret'), join(d, 'a/b/leak'));
    const rels = [
      'a/b/file.txt',
      'a/b/new/deeper.txt',
      'a/out/x',
      'a/out',
      'a/in/file.txt',
      'a/b/leak',
      'fresh/file',
      'a/b/file.txt/below',
      '../escape',
      '/abs',
      'C:x',
      '',
      'a\0b',
    ];
    const one = (rel: string): string => {
      try {
        return pathInside(d, rel, 'tree');
      } catch (e) {
        return `error: ${(e as Error).message}`;
      }
    };
    const each = rels.map(one);
    expect(each.filter((r) => r.startsWith('error')).length).toBe(9);
    for (const [i, rel] of rels.entries()) {
      let got: string;
      try {
        got = pathsInside(d, [rel], 'tree')[0]!;
      } catch (e) {
        got = `error: ${(e as Error).message}`;
      }
      expect(got, rel).toBe(each[i]);
    }
    const ok = rels.filter((_, i) => !each[i]!.startsWith('error'));
    expect(pathsInside(d, ok, 'tree')).toEqual(ok.map(one));
  });
});

describe('stageInside and withRollback', () => {
  it('stages beside the file: in place only on commit, gone on discard', () => {
    const d = tmp();
    write(d, 'm/a.json', 'old');
    const a = stageInside(d, 'm/a.json', 'new', { what: 'repository' });
    const b = stageInside(d, 'm/b.json', 'b', { what: 'repository' });
    expect(readFileSync(join(d, 'm/a.json'), 'utf8')).toBe('old');
    expect(existsSync(join(d, 'm/b.json'))).toBe(false);
    a.commit();
    b.discard();
    expect(readFileSync(join(d, 'm/a.json'), 'utf8')).toBe('new');
    expect(readdirSync(join(d, 'm'))).toEqual(['a.json']);
  });

  it('puts back what a failed command replaced, removed or added, and keeps no links after', async () => {
    const d = tmp();
    sh(d, 'init', '-q');
    write(d, 'metadata/a.json', 'a');
    write(d, 'metadata/sub/b.json', 'b');
    const work = async (): Promise<never> => {
      stageInside(d, 'metadata/a.json', 'changed', { what: 'repository' }).commit();
      rmSync(join(d, 'metadata/sub/b.json'));
      write(d, 'metadata/new.json', 'new');
      throw new Error('boom');
    };
    await expect(withRollback(d, ['metadata'], work)).rejects.toThrow('boom');
    expect(readFileSync(join(d, 'metadata/a.json'), 'utf8')).toBe('a');
    expect(readFileSync(join(d, 'metadata/sub/b.json'), 'utf8')).toBe('b');
    expect(existsSync(join(d, 'metadata/new.json'))).toBe(false);
    expect(readdirSync(join(d, '.git')).filter((n) => n.startsWith('tufci-rollback-'))).toEqual([]);
    // success keeps the work
    await withRollback(d, ['metadata'], async () => write(d, 'metadata/a.json', 'kept'));
    expect(readFileSync(join(d, 'metadata/a.json'), 'utf8')).toBe('kept');
  });
});

const jsonIn = (d: string): string[] =>
  readdirSync(join(d, 'metadata'))
    .filter((f) => f.endsWith('.json'))
    .sort();

describe('event update with bins deferred', () => {
  /** A repository of 16 bins on main, then an event that changes a bit of everything. */
  function repo(): string {
    const d = tmp();
    sh(d, 'init', '-q', '-b', 'main');
    const r = new RepoDir(d);
    r.writeRole('root', rootEnv());
    const targets = targetsEnv(4);
    r.writeRole('targets', targets);
    const files = Array.from({ length: 60 }, (_, i) => [`d${i % 5}/f${i}.txt`, `file ${i}\n`]);
    for (const [p, c] of files) write(d, `targets/${p}`, c!);
    const lookup = lookupIn(new Map([['targets', targets]]));
    const bins = new Map(
      binNames(targets.signed.delegations!.succinct_roles!).map((b) => [
        b,
        {} as TargetsSigned['targets'],
      ]),
    );
    for (const [p, c] of files)
      bins.get(roleForTarget(lookup, p!))![p!] = {
        length: c!.length,
        hashes: { sha256: sha256(c!) },
      };
    // bins-c has no metadata yet: the update creates it
    for (const [b, t] of bins)
      if (b !== 'bins-c')
        r.writeRole(b, {
          signed: { _type: 'targets', ...common, version: 3, targets: t },
          signatures: [],
        });
    sh(d, 'add', '-A');
    sh(d, 'commit', '-qm', 'main');
    sh(d, 'checkout', '-qb', 'sign/x');
    // changed, added, removed, modified without committing, untracked
    write(d, 'targets/d1/f1.txt', 'changed\n');
    write(d, 'targets/new/one.txt', 'new\n');
    rmSync(join(d, 'targets/d2/f2.txt'));
    sh(d, 'add', '-A');
    sh(d, 'commit', '-qm', 'event');
    write(d, 'targets/d3/f3.txt', 'local\n');
    write(d, 'targets/untracked.txt', 'u\n');
    // one bin edited by hand (a registry artifact added)
    const edited = r.targets('bins-7');
    edited.signed.targets['app/image'] = {
      length: 10,
      hashes: { sha256: 'cd'.repeat(32) },
      custom: { oci: { mediaType: 'application/vnd.oci.image.manifest.v1+json' } },
    };
    r.writeRole('bins-7', edited);
    return d;
  }

  it('writes what reading every bin up front writes, byte for byte, with the same log', async () => {
    const a = repo();
    const b = tmp();
    cpSync(a, b, { recursive: true });
    const now = new Date('2026-06-01T00:00:00Z');
    const run = async (d: string, readAllUpFront: boolean) => {
      const base = new GitRevReader(new Git(d), sh(d, 'rev-parse', 'main').trim());
      return updateEvent(new RepoDir(d), base, now, { event: 'sign/x', readAllUpFront });
    };
    const deferred = await run(a, false);
    const upFront = await run(b, true);
    expect(deferred).toEqual(upFront);
    expect(deferred.written.length).toBeGreaterThan(3);
    expect(deferred.written).toContain('bins-c');
    const files = jsonIn(a);
    expect(jsonIn(b)).toEqual(files);
    for (const f of files)
      expect(readFileSync(join(a, 'metadata', f), 'utf8'), f).toBe(
        readFileSync(join(b, 'metadata', f), 'utf8'),
      );
    // and again: nothing left to do, alike
    expect(await run(a, false)).toEqual(await run(b, true));
    expect((await run(a, false)).written).toEqual([]);
    // every file is listed once, with its content's hash
    const listed = new Map<string, string>();
    for (const f of files.filter((x) => x.startsWith('bins-'))) {
      const env = JSON.parse(
        readFileSync(join(a, 'metadata', f), 'utf8'),
      ) as Envelope<TargetsSigned>;
      for (const [p, t] of Object.entries(env.signed.targets)) listed.set(p, t.hashes.sha256!);
    }
    expect(listed.get('d1/f1.txt')).toBe(sha256('changed\n'));
    expect(listed.get('d3/f3.txt')).toBe(sha256('local\n'));
    expect(listed.get('untracked.txt')).toBe(sha256('u\n'));
    expect(listed.has('d2/f2.txt')).toBe(false);
    expect(listed.get('app/image')).toBe('cd'.repeat(32));
  });

  it('fails alike, writing nothing, when a bin is broken', async () => {
    const a = repo();
    writeFileSync(join(a, 'metadata/bins-3.json'), '{"signed": {');
    const before = jsonIn(a).map((f) => readFileSync(join(a, 'metadata', f), 'utf8'));
    const base = new GitRevReader(new Git(a), sh(a, 'rev-parse', 'main').trim());
    for (const readAllUpFront of [false, true])
      await expect(
        updateEvent(new RepoDir(a), base, new Date(), { event: 'sign/x', readAllUpFront }),
      ).rejects.toThrow('metadata/bins-3.json: malformed JSON');
    expect(jsonIn(a).map((f) => readFileSync(join(a, 'metadata', f), 'utf8'))).toEqual(before);
  });
});

describe('validSignatures over frozen envelopes', () => {
  it('checks each signature once, and only envelopes that cannot change', () => {
    const a = generateKey('ed25519');
    const b = generateKey('ed25519');
    const keyOf = (pem: string) => ({
      keytype: 'ed25519',
      scheme: 'ed25519',
      keyval: { public: pem },
    });
    const env: Envelope = { signed: { _type: 'targets', ...common, targets: {} }, signatures: [] };
    const sig = sign(null, signedBytes(env), createPrivateKey(a.privatePem)).toString('hex');
    env.signatures.push({ keyid: 'k', sig });
    const ka = { k: keyOf(a.publicPem) };
    const kb = { k: keyOf(b.publicPem) };
    expect(validSignatures(env, ka, ['k'])).toEqual(['k']);
    // not frozen: a change is seen
    env.signed.version = 2;
    expect(validSignatures(env, ka, ['k'])).toEqual([]);
    env.signed.version = 1;
    freezeEnvelopes([env]);
    expect(() => {
      (env.signed as { version: number }).version = 3;
    }).toThrow();
    for (let i = 0; i < 2; i++) {
      expect(validSignatures(env, ka, ['k'])).toEqual(['k']);
      // the same keyid naming another key: asked again, not answered from the memo
      expect(validSignatures(env, kb, ['k'])).toEqual([]);
    }
  });
});
