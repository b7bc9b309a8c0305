/**
 * The disk check for the token path: which files appeared or changed, and whether any
 * file (or git object) holds a token's private key in any encoding a program might
 * write it in: raw scalar, hex, base64, base64url (JWK), PKCS#8 or SEC1 DER, or a PEM
 * private key (encrypted ones are opened with the test passphrase).
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PASS } from '../helpers/world.js';
import type { ImportedKey } from './tokens.js';

export { changedFiles, snapshotFiles } from '../helpers/disk-snapshot.js';

function needles(key: ImportedKey): { form: string; bytes: Buffer }[] {
  const text = (form: string, s: string): { form: string; bytes: Buffer } => ({
    form,
    bytes: Buffer.from(s, 'latin1'),
  });
  return [
    { form: 'raw scalar', bytes: key.scalar },
    { form: 'PKCS#8 DER', bytes: key.pkcs8 },
    { form: 'SEC1 DER', bytes: key.sec1 },
    text('hex scalar', key.scalar.toString('hex')),
    text('HEX scalar', key.scalar.toString('hex').toUpperCase()),
    text('base64 scalar', key.scalar.toString('base64')),
    text('base64url scalar (JWK d)', key.scalar.toString('base64url')),
    text('base64 PKCS#8', key.pkcs8.toString('base64')),
    text('base64 SEC1', key.sec1.toString('base64')),
  ];
}

const PEM_PRIVATE = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g;

/** Which token key `content` holds, and how; undefined when none. */
export function keyMaterialIn(content: Buffer, keys: ImportedKey[]): string | undefined {
  const squeezed = Buffer.from(content.toString('latin1').replace(/\s+/g, ''), 'latin1');
  for (const key of keys) {
    for (const { form, bytes } of needles(key)) {
      if (content.includes(bytes) || squeezed.includes(bytes)) {
        return `${form} of "${key.label}" on ${key.token}`;
      }
    }
  }
  const text = content.toString('latin1');
  for (const [pem] of text.matchAll(PEM_PRIVATE)) {
    let d: string | undefined;
    try {
      const k = pem.includes('ENCRYPTED')
        ? createPrivateKey({ key: pem, format: 'pem', passphrase: PASS })
        : createPrivateKey(pem);
      d = k.asymmetricKeyType === 'ec' ? k.export({ format: 'jwk' }).d : undefined;
    } catch {
      continue; // not openable with the test passphrase: not written by this test's code
    }
    const hit = keys.find((key) => d === key.scalar.toString('base64url'));
    if (hit) return `PEM private key of "${hit.label}" on ${hit.token}`;
  }
  return undefined;
}

/** `[file, how]` for each file in `paths` that holds token key material. */
export function filesWithKeyMaterial(paths: string[], keys: ImportedKey[]): [string, string][] {
  const found: [string, string][] = [];
  for (const path of paths) {
    let content: Buffer;
    try {
      content = readFileSync(path);
    } catch {
      continue;
    }
    const hit = keyMaterialIn(content, keys);
    if (hit) found.push([path, hit]);
  }
  return found;
}

/** Every object of a git repository, decompressed, as one buffer. */
export function gitObjects(gitDir: string): Buffer {
  return execFileSync('git', ['--git-dir', gitDir, 'cat-file', '--batch-all-objects', '--batch'], {
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
