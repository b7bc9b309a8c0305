/**
 * The one write helper: a path relative to a root is written atomically inside it, and
 * anything that would leave the root (`..`, an absolute path, a symlink leading out, a
 * NUL) is refused with the root named, before any file or directory exists.
 */
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../lib/errors.js';
import { DirPublisher } from '../../lib/publish/dir.js';
import type { PublishTree } from '../../lib/publish/tree.js';
import type { Envelope } from '../../lib/tuf/types.js';
import { pathInside, streamInside, writeInside, writeUserFile } from '../../lib/util/fs.js';
import { changedFiles, snapshotFiles } from '../helpers/disk-snapshot.js';

describe('writeInside', () => {
  const top = mkdtempSync(join(tmpdir(), 'tufci-inside-'));
  const root = join(top, 'root');
  const elsewhere = join(top, 'elsewhere');
  mkdirSync(root);
  mkdirSync(elsewhere);
  symlinkSync(elsewhere, join(root, 'link-out'));
  symlinkSync(join(root, 'real'), join(root, 'link-in'));
  mkdirSync(join(root, 'real'));
  symlinkSync(join(top, 'missing'), join(root, 'dangling'));
  symlinkSync(join(elsewhere, 'f.json'), join(root, 'file-link-out.json'));
  afterAll(() => rmSync(top, { recursive: true, force: true }));

  it('writes nested files atomically and leaves no temp file', () => {
    const path = writeInside(root, 'a/b/c.json', '{"x":1}\n', { what: 'repository' });
    expect(readFileSync(path, 'utf8')).toBe('{"x":1}\n');
    writeInside(root, 'a/b/c.json', Buffer.from('two'));
    expect(readFileSync(path, 'utf8')).toBe('two');
    expect(readdirSync(join(root, 'a/b'))).toEqual(['c.json']);
  });

  it('keeps other control characters, which target names may hold', () => {
    writeInside(root, 'ctl/\u0001name.txt', 'x');
    expect(readFileSync(join(root, 'ctl/\u0001name.txt'), 'utf8')).toBe('x');
  });

  it('follows a symlink that stays inside the root', () => {
    writeInside(root, 'link-in/x.txt', 'in');
    expect(readFileSync(join(root, 'real/x.txt'), 'utf8')).toBe('in');
  });

  it.each([
    ['../outside.json', 'resolves outside it'],
    ['x/../../outside.json', 'resolves outside it'],
    ['a/../../../../../outside.json', 'resolves outside it'],
    ['..', 'resolves outside it'],
    ['.', 'resolves outside it'],
    [join(top, 'elsewhere', 'abs.json'), 'is absolute'],
    ['/etc/passwd', 'is absolute'],
    ['link-out/escape.json', 'through a symbolic link'],
    ['link-out/deep/er/escape.json', 'through a symbolic link'],
    ['dangling/escape.json', 'through a symbolic link'],
    ['file-link-out.json', 'through a symbolic link'],
    ['a\u0000b.json', 'NUL character'],
    ['', 'is empty'],
  ])('refuses %j, names the root and writes nothing anywhere', async (rel, why) => {
    const before = snapshotFiles(top, []);
    const dirsBefore = readdirSync(elsewhere);
    for (const attempt of [
      () => writeInside(root, rel, 'evil', { what: 'publish destination' }),
      () => pathInside(root, rel, 'publish destination'),
    ]) {
      let err: unknown;
      try {
        attempt();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toContain(`publish destination ${root}:`);
      expect((err as Error).message).toContain(why);
    }
    await expect(
      streamInside(root, rel, (f) => f.writeFile('evil'), { what: 'OCI layout' }),
    ).rejects.toThrow(`OCI layout ${root}:`);
    expect(changedFiles(before, snapshotFiles(top, []))).toEqual([]);
    expect(readdirSync(elsewhere)).toEqual(dirsBefore);
  });

  it('streams through a temp file and renames only on success', async () => {
    await expect(
      streamInside(root, 's/fail.bin', async (f) => {
        await f.write(Buffer.from('half'));
        throw new Error('network dropped');
      }),
    ).rejects.toThrow('network dropped');
    expect(readdirSync(join(root, 's'))).toEqual([]);
    await streamInside(root, 's/ok.bin', (f) => f.writeFile('whole'));
    expect(readFileSync(join(root, 's/ok.bin'), 'utf8')).toBe('whole');
  });

  it('sets a mode whatever the umask, and an exclusive write never replaces a file', () => {
    const key = join(top, 'keys', 'k.pem');
    expect(() => writeUserFile(key, 'secret')).toThrow(`cannot open ${key}: no such file`);
    mkdirSync(join(top, 'keys'));
    writeUserFile(key, 'secret', { mode: 0o600, exclusive: true });
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(() => writeUserFile(key, 'other', { exclusive: true })).toThrow(/exists/);
    expect(readFileSync(key, 'utf8')).toBe('secret');
    expect(readdirSync(join(top, 'keys'))).toEqual(['k.pem']);
    writeFileSync(join(top, 'src.bin'), 'copied');
    writeUserFile(join(top, 'copy.bin'), { copyOf: join(top, 'src.bin') });
    expect(readFileSync(join(top, 'copy.bin'), 'utf8')).toBe('copied');
  });

  it('a publish tree with one escaping path writes nothing, not even the paths before it', async () => {
    const dest = join(top, 'site');
    const entry = (path: string) => ({
      path,
      kind: 'metadata' as const,
      name: 'x',
      bytes: Buffer.from('x'),
      length: 1,
      sha256: '',
    });
    const tree: PublishTree = {
      entries: [entry('1.ok.json'), entry('../../outside.json'), entry('timestamp.json')],
      roles: new Map(),
      registryTargets: [],
    };
    const before = snapshotFiles(top, []);
    await expect(new DirPublisher(dest).publish(tree)).rejects.toThrow(
      `publish destination ${dest}: "../../outside.json" resolves outside it`,
    );
    expect(changedFiles(before, snapshotFiles(top, []))).toEqual([]);
    expect(readdirSync(top)).not.toContain('site');
  });

  it("a published target is left alone only when its size and sha256 are the entry's", async () => {
    const dest = join(top, 'site-targets');
    const src = join(top, 'src-target');
    writeFileSync(src, 'hello');
    const sha = createHash('sha256').update('hello').digest('hex');
    const target = (path: string) => ({
      path,
      kind: 'target' as const,
      name: 'a',
      file: src,
      length: 5,
      sha256: sha,
      target: { length: 5, hashes: { sha256: sha } },
    });
    const paths = ['targets/good', 'targets/same-size', 'targets/longer', 'targets/new'];
    mkdirSync(join(dest, 'targets'), { recursive: true });
    writeFileSync(join(dest, 'targets', 'good'), 'hello');
    writeFileSync(join(dest, 'targets', 'same-size'), 'HELLO');
    writeFileSync(join(dest, 'targets', 'longer'), 'hello!');
    // index.html names the root: the least one (no keys, unsigned) is enough for the page
    const root = {
      signed: {
        _type: 'root',
        spec_version: '1.0.31',
        version: 1,
        expires: '2100-01-01T00:00:00Z',
        consistent_snapshot: true,
        keys: {},
        roles: {},
      },
      signatures: [],
    } as unknown as Envelope;
    const tree: PublishTree = {
      entries: paths.map(target),
      roles: new Map([['root', root]]),
      registryTargets: [],
    };
    const report = await new DirPublisher(dest).publish(tree);
    expect(report.skipped).toEqual(['targets/good']);
    expect(report.written).toEqual(['targets/same-size', 'targets/longer', 'targets/new']);
    for (const p of paths) expect(readFileSync(join(dest, p), 'utf8')).toBe('hello');
  });
});
