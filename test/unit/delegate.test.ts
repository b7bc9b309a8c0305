import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { delegate } from '../../lib/event/delegate.js';
import { initRepository } from '../../lib/event/init.js';
import { generateKey } from '../../lib/signers/keyfile.js';
import { keyId } from '../../lib/tuf/keys.js';
import { RepoDir } from '../../lib/tuf/repo.js';

describe('delegate', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const alice = generateKey('ed25519').tufKey;
  const bob = generateKey('ed25519').tufKey;
  const online = generateKey('ecdsa').tufKey;

  function repo(): RepoDir {
    const r = new RepoDir(mkdtempSync(join(tmpdir(), 'tufci-delegate-')));
    initRepository(r, {
      user: '@alice',
      userKey: alice,
      knownKeys: { '@bob': bob },
      root: { signers: ['@alice', '@bob'], threshold: 1 },
      targets: { signers: ['@alice', '@bob'], threshold: 1 },
      onlineKey: online,
      onlineUri: 'envvar:K',
      now,
    });
    return r;
  }

  it('keeps a signer key while any role uses it and drops it when none does', () => {
    const r = repo();
    delegate(r, { role: 'root', signers: ['@alice'], now });
    expect(Object.keys(r.root().signed.keys)).toContain(keyId(bob));
    delegate(r, { role: 'targets', signers: ['@alice'], now });
    expect(Object.keys(r.root().signed.keys)).not.toContain(keyId(bob));
    expect(Object.keys(r.root().signed.keys).sort()).toEqual([keyId(alice), keyId(online)].sort());
  });

  it('creates a delegated role with default paths and invites signers without keys', () => {
    const r = repo();
    const { invited } = delegate(r, {
      role: 'app',
      signers: ['@alice', '@carol'],
      threshold: 2,
      now,
    });
    expect(invited).toEqual(['@carol']);
    const d = r.targets().signed.delegations!;
    expect(d.roles![0]).toMatchObject({
      name: 'app',
      keyids: [keyId(alice)],
      threshold: 2,
      paths: ['app/*', 'app/*/*', 'app/*/*/*', 'app/*/*/*/*'],
    });
    expect(r.readRole('app').signed.version).toBe(1);
    delegate(r, { role: 'app', signers: ['@alice'], threshold: 1, now });
    expect(r.targets().signed.delegations!.roles![0]!.keyids).toEqual([keyId(alice)]);
  });

  it('refuses a threshold no keys and invites can reach, writing nothing', () => {
    const r = repo();
    const before = JSON.stringify(r.root());
    expect(() => delegate(r, { role: 'root', threshold: 3, now })).toThrow(
      /threshold 3 is above the number of keys \(2\)/,
    );
    expect(JSON.stringify(r.root())).toBe(before);
  });
});

describe('values checked before they reach metadata', () => {
  it('refuses an online key URI with no scheme tufci can sign with', () => {
    const r = new RepoDir(mkdtempSync(join(tmpdir(), 'tufci-init-')));
    const k = generateKey('ed25519').tufKey;
    expect(() =>
      initRepository(r, {
        user: '@alice',
        userKey: k,
        root: { signers: ['@alice'], threshold: 1 },
        targets: { signers: ['@alice'], threshold: 1 },
        onlineKey: generateKey('ecdsa').tufKey,
        onlineUri: 'bogus',
        now: new Date(),
      }),
    ).toThrow(
      '--online-uri: "bogus" is not an online key URI tufci can sign with: unknown scheme (use envvar:NAME, file:PATH, pkcs11:token=…;object=…?module-path=…, awskms:KEY)',
    );
    expect(r.has('root')).toBe(false);
  });

  it('refuses an empty path list for a delegated role', () => {
    const r = new RepoDir(mkdtempSync(join(tmpdir(), 'tufci-init-')));
    const k = generateKey('ed25519').tufKey;
    initRepository(r, {
      user: '@alice',
      userKey: k,
      root: { signers: ['@alice'], threshold: 1 },
      targets: { signers: ['@alice'], threshold: 1 },
      onlineKey: generateKey('ecdsa').tufKey,
      onlineUri: 'envvar:K',
      now: new Date(),
    });
    expect(() =>
      delegate(r, { role: 'app', signers: ['@alice'], paths: [], now: new Date() }),
    ).toThrow('--paths: give at least one path pattern');
  });
});
