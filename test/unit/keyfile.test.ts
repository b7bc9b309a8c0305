import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKey, keyFileSigner } from '../../lib/signers/keyfile.js';
import { keyId } from '../../lib/tuf/keys.js';

function keyFiles(pubFrom?: ReturnType<typeof generateKey>): { path: string; id: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tufci-keyfile-'));
  const k = generateKey('ecdsa', 'pw');
  const path = join(dir, 'k.pem');
  writeFileSync(path, k.privatePem);
  writeFileSync(`${path}.pub`, (pubFrom ?? k).publicPem);
  return { path, id: keyId(k.tufKey) };
}

describe('key file signer', () => {
  it('reads the public key from <key>.pub without asking for the passphrase', async () => {
    const { path, id } = keyFiles();
    let asked = 0;
    const s = keyFileSigner(path, async () => (asked++, 'pw'));
    expect(keyId(await s.publicKey())).toBe(id);
    expect(asked).toBe(0);
    await s.sign(Buffer.from('x'));
    expect(asked).toBe(1);
  });

  it('refuses a .pub that is not the private key', async () => {
    const { path } = keyFiles(generateKey('ecdsa'));
    const s = keyFileSigner(path, async () => 'pw');
    await expect(s.sign(Buffer.from('x'))).rejects.toThrow(
      `${path}.pub: does not match the private key in ${path}`,
    );
  });

  it('names the file when the passphrase is wrong', async () => {
    const { path } = keyFiles();
    const s = keyFileSigner(path, async () => 'not it');
    await expect(s.sign(Buffer.from('x'))).rejects.toThrow(
      `${path}: wrong passphrase (could not decrypt the private key)`,
    );
  });
});
