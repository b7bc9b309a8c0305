import { createHash } from 'node:crypto';
import { Targets } from '@tufjs/models';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../lib/errors.js';
import { delegationSearch, roleForTarget } from '../../lib/tuf/owner.js';
import type { TargetsLookup } from '../../lib/tuf/owner.js';
import type { TargetsSigned } from '../../lib/tuf/types.js';

type Deleg = Record<string, unknown>;
const role = (name: string, more: Deleg): Deleg => ({
  name,
  keyids: [],
  threshold: 1,
  terminating: false,
  ...more,
});

/** Targets metadata made by @tufjs/models (fromJSON then toJSON), as a repository holds it. */
function targets(delegations?: Deleg): TargetsSigned {
  const json = {
    _type: 'targets',
    spec_version: '1.0.31',
    version: 1,
    expires: '2030-01-01T00:00:00Z',
    targets: {},
    ...(delegations ? { delegations: { keys: {}, ...delegations } } : {}),
  };
  return Targets.fromJSON(json as never).toJSON() as unknown as TargetsSigned;
}

function repo(roles: Record<string, TargetsSigned>, asked: string[] = []): TargetsLookup {
  return (r) => {
    asked.push(r);
    return roles[r];
  };
}

describe('roleForTarget', () => {
  it('files directly in targets/ and paths with no delegated role belong to targets', () => {
    const l = repo({ targets: targets({ roles: [role('app', { paths: ['app/*'] })] }) });
    expect(roleForTarget(l, 'README.txt')).toBe('targets');
    expect(roleForTarget(l, 'docs/a.txt')).toBe('targets');
    expect(delegationSearch(l, 'docs/a.txt').map((s) => s.role)).toEqual(['targets']);
  });

  it('one delegation: <role>/… belongs to the role, within its paths only', () => {
    const l = repo({
      targets: targets({ roles: [role('app', { paths: ['app/*'] })] }),
      app: targets(),
    });
    expect(roleForTarget(l, 'app/v1.tgz')).toBe('app');
    expect(() => roleForTarget(l, 'app/sub/v1.tgz')).toThrow(UserError);
    expect(() => roleForTarget(l, 'app/sub/v1.tgz')).toThrow(
      /not inside the paths delegated to role app \(app\/\*\)/,
    );
  });

  it('two levels: a delegated role delegating further', () => {
    const l = repo({
      targets: targets({ roles: [role('app', { paths: ['beta/*', 'app/*'] })] }),
      app: targets({ roles: [role('beta', { paths: ['beta/*'] })] }),
      beta: targets(),
    });
    expect(roleForTarget(l, 'beta/x.tgz')).toBe('beta');
    expect(delegationSearch(l, 'beta/x.tgz').map((s) => [s.role, s.parent])).toEqual([
      ['targets', undefined],
      ['app', 'targets'],
      ['beta', 'app'],
    ]);
  });

  it('a matching terminating role ends the search; a non-terminating one does not', () => {
    const mk = (terminating: boolean): TargetsLookup =>
      repo({
        targets: targets({
          roles: [role('all', { paths: ['*/*'], terminating }), role('app', { paths: ['app/*'] })],
        }),
        all: targets(),
        app: targets(),
      });
    expect(roleForTarget(mk(false), 'app/x')).toBe('app');
    expect(delegationSearch(mk(false), 'app/x').map((s) => s.role)).toEqual([
      'targets',
      'all',
      'app',
    ]);
    expect(() => roleForTarget(mk(true), 'app/x')).toThrow(
      /stops at terminating role all before reaching role app/,
    );
  });

  it('path_hash_prefixes decide by the sha256 of the path', () => {
    const h = createHash('sha256').update('pkg/a.tgz').digest('hex');
    const other = h[0] === '0' ? '1' : '0';
    const l = repo({
      targets: targets({
        roles: [
          role('no', { path_hash_prefixes: [other] }),
          role('yes', { path_hash_prefixes: [h.slice(0, 2)] }),
        ],
      }),
    });
    expect(delegationSearch(l, 'pkg/a.tgz').map((s) => s.role)).toEqual(['targets', 'yes']);
  });

  it('succinct roles: 16 bins, the bin python-tuf chooses', () => {
    const l = repo({
      targets: targets({
        succinct_roles: { keyids: [], threshold: 1, bit_length: 4, name_prefix: 'bin' },
      }),
    });
    for (const path of ['a.txt', 'dir/b.tgz', 'x/y/z']) {
      const first = createHash('sha256').update(path).digest()[0]!;
      expect(roleForTarget(l, path)).toBe(`bin-${(first >> 4).toString(16)}`);
    }
  });

  it('hostile role names are never followed nor looked up', () => {
    const asked: string[] = [];
    const l = repo(
      {
        targets: targets({
          roles: [role('../escape', { paths: ['*/*'] }), role('a/b', { paths: ['*/*'] })],
        }),
      },
      asked,
    );
    expect(roleForTarget(l, 'a/x')).toBe('targets');
    expect(delegationSearch(l, 'x/y').map((s) => s.role)).toEqual(['targets']);
    expect(asked.every((r) => r === 'targets')).toBe(true);
    const bins = repo({
      targets: targets({
        succinct_roles: { keyids: [], threshold: 1, bit_length: 4, name_prefix: '../bin' },
      }),
    });
    expect(roleForTarget(bins, 'a.txt')).toBe('targets');
  });
});
