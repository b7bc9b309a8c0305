import { describe, expect, it } from 'vitest';
import { pathMatches } from '../../lib/tuf/owner.js';
import { targetTreePath } from '../../lib/publish/tree.js';
import { UserError } from '../../lib/errors.js';
import { checkRoleName } from '../../lib/tuf/names.js';
import { checkTargetPath } from '../../lib/tuf/target-files.js';

describe('pathMatches (TUF delegation path patterns)', () => {
  it('matches * within one segment only', () => {
    expect(pathMatches(['app/*'], 'app/v1.tgz')).toBe(true);
    expect(pathMatches(['app/*'], 'app/sub/v1.tgz')).toBe(false);
    expect(pathMatches(['app/*'], 'app')).toBe(false);
    expect(pathMatches(['*'], 'file.txt')).toBe(true);
    expect(pathMatches(['*'], 'dir/file.txt')).toBe(false);
    expect(pathMatches(['app/*/*.tgz'], 'app/x/y.tgz')).toBe(true);
    expect(pathMatches(['app/*/*.tgz'], 'app/x/y.zip')).toBe(false);
  });

  it('matches ? as exactly one character', () => {
    expect(pathMatches(['v?.txt'], 'v1.txt')).toBe(true);
    expect(pathMatches(['v?.txt'], 'v10.txt')).toBe(false);
  });

  it('takes every other character literally', () => {
    expect(pathMatches(['a.b/c+d'], 'a.b/c+d')).toBe(true);
    expect(pathMatches(['a.b/c+d'], 'aXb/c+d')).toBe(false);
    expect(pathMatches(['(x)|[y]/$'], '(x)|[y]/$')).toBe(true);
    expect(pathMatches(['^app$/*'], 'app/x')).toBe(false);
  });

  it('matches names with newlines, non-ASCII and control characters', () => {
    expect(pathMatches(['app/*'], 'app/line\nbreak')).toBe(true);
    expect(pathMatches(['app/*'], 'app/ünï-\u0001')).toBe(true);
  });

  it('is true when any pattern matches, false for none', () => {
    expect(pathMatches(['a/*', 'b/*'], 'b/x')).toBe(true);
    expect(pathMatches([], 'b/x')).toBe(false);
  });
});

describe('checkTargetPath', () => {
  it('accepts relative paths, including unusual characters', () => {
    for (const ok of ['a.txt', 'dir/a.txt', 'a..b', '.hidden', 'ünïcode-\u0001.txt', '😀'])
      expect(() => checkTargetPath(ok, 'here')).not.toThrow();
  });

  it('refuses anything that could leave targets/, naming where and what', () => {
    for (const bad of [
      '',
      '/etc/passwd',
      '..',
      '../x',
      'a/../../b',
      'a//b',
      './a',
      'a/.',
      'a/',
      'a\\b',
      'C:x',
    ]) {
      expect(() => checkTargetPath(bad, 'metadata/targets.json targets'), bad).toThrow(UserError);
    }
    expect(() => checkTargetPath('../x', 'metadata/app.json targets')).toThrow(
      'metadata/app.json targets: target path "../x" escapes targets/',
    );
  });
});

describe('targetTreePath (consistent snapshot)', () => {
  it('prefixes the file name with its hash, keeping directories', () => {
    expect(targetTreePath('a.txt', 'ff')).toBe('targets/ff.a.txt');
    expect(targetTreePath('app/x/a.txt', 'ff')).toBe('targets/app/x/ff.a.txt');
  });
});

describe('checkRoleName', () => {
  it('accepts plain names with dots, dashes and underscores', () => {
    for (const ok of ['app', 'my-app.v2', 'a_b', 'x'.repeat(128)])
      expect(() => checkRoleName(ok)).not.toThrow();
  });

  it('refuses names that are not file-safe or clash with the layout', () => {
    for (const bad of [
      '',
      '-x',
      '.x',
      'a/b',
      '../x',
      'x.json',
      'root_history',
      'x'.repeat(129),
      'ü',
    ])
      expect(() => checkRoleName(bad, '--role'), bad).toThrow(
        /^--role: ".*" is not a valid role name/,
      );
  });
});
