import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bumped, expiringRoles } from '../../lib/event/expiring.js';
import { addDays, tufDate } from '../../lib/tuf/envelope.js';
import { RepoDir } from '../../lib/tuf/repo.js';
import { periodsOf } from '../../lib/tuf/roles.js';
import type { Envelope, RootSigned, TargetsSigned } from '../../lib/tuf/types.js';

const NOW = new Date('2030-01-01T00:00:00Z');

function root(extra: Partial<RootSigned> = {}, roles: RootSigned['roles'] = {}): RootSigned {
  return {
    _type: 'root',
    spec_version: '1.0.31',
    version: 1,
    expires: tufDate(addDays(NOW, 365)),
    consistent_snapshot: true,
    keys: {},
    roles: {
      root: { keyids: [], threshold: 1 },
      targets: { keyids: [], threshold: 1 },
      snapshot: { keyids: [], threshold: 1 },
      timestamp: { keyids: [], threshold: 1 },
      ...roles,
    },
    ...extra,
  };
}

function targets(days: number, extra: Record<string, unknown> = {}): Envelope<TargetsSigned> {
  return {
    signed: {
      _type: 'targets',
      spec_version: '1.0.31',
      version: 4,
      expires: tufDate(addDays(NOW, days)),
      targets: {},
      ...extra,
    },
    signatures: [{ keyid: 'ab', sig: 'cd' }],
  };
}

describe('periodsOf', () => {
  it('has defaults per role', () => {
    const r = root();
    expect(periodsOf('root', { signed: r, signatures: [] }, r)).toEqual({
      expiry: 365,
      signing: 60,
    });
    expect(periodsOf('targets', targets(1), r)).toEqual({ expiry: 365, signing: 60 });
    expect(periodsOf('app', targets(1), r)).toEqual({ expiry: 365, signing: 60 });
    expect(periodsOf('snapshot', undefined, r)).toEqual({ expiry: 365, signing: 60 });
    expect(periodsOf('timestamp', undefined, r)).toEqual({ expiry: 2, signing: 1 });
  });

  it("reads offline roles' periods from their own metadata", () => {
    const t = targets(1, { 'x-tuf-on-ci-expiry-period': 90, 'x-tuf-on-ci-signing-period': 10 });
    expect(periodsOf('targets', t, root())).toEqual({ expiry: 90, signing: 10 });
  });

  it("reads online roles' periods from root's role entries", () => {
    const r = root(
      {},
      {
        timestamp: {
          keyids: [],
          threshold: 1,
          'x-tuf-on-ci-expiry-period': 7,
          'x-tuf-on-ci-signing-period': 3,
        },
      },
    );
    expect(periodsOf('timestamp', undefined, r)).toEqual({ expiry: 7, signing: 3 });
    // a period on the timestamp metadata itself is not where tuf-on-ci keeps it
    const ts = {
      signed: { ...targets(1).signed, 'x-tuf-on-ci-expiry-period': 99 },
      signatures: [],
    };
    expect(periodsOf('snapshot', ts as Envelope, r).expiry).toBe(365);
  });

  it('without a signing period takes half the expiry period, capped at the default', () => {
    expect(periodsOf('targets', targets(1, { 'x-tuf-on-ci-expiry-period': 30 }), root())).toEqual({
      expiry: 30,
      signing: 15,
    });
    expect(periodsOf('targets', targets(1, { 'x-tuf-on-ci-expiry-period': 1 }), root())).toEqual({
      expiry: 1,
      signing: 1,
    });
    expect(
      periodsOf('targets', targets(1, { 'x-tuf-on-ci-expiry-period': 1000 }), root()).signing,
    ).toBe(60);
  });

  it('refuses nonsense, naming the file and field', () => {
    const bad = (v: unknown) => targets(1, { 'x-tuf-on-ci-expiry-period': v });
    for (const v of [0, -1, 1.5, '30', null])
      expect(() => periodsOf('app', bad(v), root()), String(v)).toThrow(
        'metadata/app.json: field "x-tuf-on-ci-expiry-period" must be a positive whole number of days',
      );
    const longer = targets(1, {
      'x-tuf-on-ci-expiry-period': 10,
      'x-tuf-on-ci-signing-period': 11,
    });
    expect(() => periodsOf('targets', longer, root())).toThrow(
      'metadata/targets.json: signing period (11 days) is longer than the expiry period (10 days)',
    );
    const r = root({}, { snapshot: { keyids: [], threshold: 1, 'x-tuf-on-ci-signing-period': 0 } });
    expect(() => periodsOf('snapshot', undefined, r)).toThrow(
      'metadata/root.json roles.snapshot: field "x-tuf-on-ci-signing-period"',
    );
  });
});

describe('expiringRoles and bumped', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const repoWith = (t: Envelope<TargetsSigned>): RepoDir => {
    dir = mkdtempSync(join(tmpdir(), 'tufci-unit-'));
    const repo = new RepoDir(dir);
    repo.writeRole('root', { signed: root(), signatures: [] });
    repo.writeRole('targets', t);
    return repo;
  };

  it('lists a role from the start of its signing period, with a stable branch name', () => {
    const repo = repoWith(
      targets(10, { 'x-tuf-on-ci-expiry-period': 10, 'x-tuf-on-ci-signing-period': 3 }),
    );
    const start = addDays(NOW, 7);
    expect(expiringRoles(repo, new Date(start.getTime() - 1000))).toEqual([]);
    expect(expiringRoles(repo, start)).toEqual([
      {
        role: 'targets',
        version: 4,
        expires: tufDate(addDays(NOW, 10)),
        branch: 'sign/bump-targets-v5',
      },
    ]);
  });

  it('does not list a freshly signed role that only has an expiry period', () => {
    const repo = repoWith(targets(30, { 'x-tuf-on-ci-expiry-period': 30 }));
    expect(expiringRoles(repo, NOW)).toEqual([]);
    expect(expiringRoles(repo, addDays(NOW, 15)).map((e) => e.role)).toEqual(['targets']);
  });

  it('bumps the version once, renews expiry and clears signatures, leaving the input alone', () => {
    const t = targets(2, { 'x-tuf-on-ci-expiry-period': 30 });
    const later = addDays(NOW, 1);
    const b = bumped(t, 'targets', root(), later);
    expect(b.signed.version).toBe(5);
    expect(b.signed.expires).toBe(tufDate(addDays(later, 30)));
    expect(b.signatures).toEqual([]);
    expect(t.signed.version).toBe(4);
    expect(t.signatures).toHaveLength(1);
  });
});

describe('tufDate', () => {
  it('is UTC with seconds precision and a Z', () => {
    expect(tufDate(new Date('2030-05-06T07:08:09.987Z'))).toBe('2030-05-06T07:08:09Z');
    expect(tufDate(addDays(new Date('2030-12-31T12:00:00Z'), 1))).toBe('2031-01-01T12:00:00Z');
  });
});
