/**
 * checkRefresh, what `tufci copy --refresh` keeps of the source's newer role: only a newer
 * version signed by the delegation's keys (threshold), unexpired, listing every copied
 * name. Tampered bytes, another key's signature, no signature, an older or expired version
 * and one that drops a copied name are refused or ignored. Keys generated here (ed25519).
 */
import { sign } from 'node:crypto';
import { canonicalize } from '@tufjs/canonical-json';
import { describe, expect, it } from 'vitest';
import { checkRefresh } from '../../lib/event/import.js';
import type { RoleKeys } from '../../lib/tuf/roles.js';
import type { Envelope } from '../../lib/tuf/types.js';
import { newKey, type TestKey } from '../helpers/signed-roles.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const NAME = 'apps/web:v1';

function role(
  version: number,
  signers: TestKey[],
  o: { expires?: string; targets?: Record<string, unknown> } = {},
): Buffer {
  const signed = {
    _type: 'targets',
    spec_version: '1.0.31',
    version,
    expires: o.expires ?? '2027-01-01T00:00:00Z',
    targets: o.targets ?? { [NAME]: { length: 10, hashes: { sha256: 'ab'.repeat(32) } } },
  };
  const sigs = signers.map((k) => ({
    keyid: k.keyid,
    sig: sign(null, Buffer.from(canonicalize(signed)), k.priv).toString('hex'),
  }));
  return Buffer.from(JSON.stringify({ signatures: sigs, signed }));
}

describe('checkRefresh', () => {
  const a = newKey();
  const b = newKey();
  const other = newKey();
  const rule: RoleKeys = {
    keys: { [a.keyid]: a.json, [b.keyid]: b.json },
    keyids: [a.keyid, b.keyid],
    threshold: 2,
  };
  const curBytes = role(3, [a, b]);
  const current = { env: JSON.parse(curBytes.toString()) as Envelope, bytes: curBytes };
  const check = (bytes: Buffer, paths = [NAME]) =>
    checkRefresh('import-web', bytes, current, rule, paths, NOW);

  it('keeps a newer version signed by the threshold of the delegation keys', () => {
    expect(check(role(4, [a, b]))).toEqual({
      kind: 'newer',
      version: 4,
      expires: '2027-01-01T00:00:00Z',
      signers: 2,
    });
  });

  it('the same bytes or an older version: nothing to do', () => {
    expect(check(curBytes)).toEqual({ kind: 'current' });
    expect(check(role(2, [a, b]))).toEqual({ kind: 'current' });
  });

  it('refuses below the threshold, another key, no signature', () => {
    expect(() => check(role(4, [a]))).toThrow(
      "import-web: the source's version 4 is signed by 1 of the 2 key(s) the delegation trusts for it, 2 required; refused (the import stays at version 3)",
    );
    expect(() => check(role(4, [other, a]))).toThrow('signed by 1 of the 2 key(s)');
    expect(() => check(role(4, []))).toThrow('signed by 0 of the 2 key(s)');
  });

  it('refuses tampered bytes (changed after signing) and the same version with other bytes', () => {
    const tampered = JSON.parse(role(4, [a, b]).toString()) as Envelope;
    tampered.signed.expires = '2030-01-01T00:00:00Z';
    expect(() => check(Buffer.from(JSON.stringify(tampered)))).toThrow(
      'signed by 0 of the 2 key(s)',
    );
    const same = JSON.parse(curBytes.toString()) as Envelope;
    (same.signed as { targets: Record<string, unknown> }).targets['x'] = {
      length: 1,
      hashes: { sha256: '00'.repeat(32) },
    };
    expect(() => check(Buffer.from(JSON.stringify(same)))).toThrow(
      'the source serves version 3 with other bytes than the imported version 3; refused',
    );
  });

  it('refuses an expired version, one that drops a copied name, malformed bytes', () => {
    expect(() => check(role(4, [a, b], { expires: '2026-05-01T00:00:00Z' }))).toThrow(
      "the source's version 4 expired on 2026-05-01T00:00:00Z",
    );
    expect(() => check(role(4, [a, b], { targets: {} }))).toThrow(
      `the source's version 4 no longer lists "${NAME}"`,
    );
    expect(() => check(Buffer.from('{"signed": 1'))).toThrow('malformed metadata');
  });
});
