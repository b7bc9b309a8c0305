/**
 * The signing path must leave no key material on disk: the private key never leaves
 * the token, and nothing is staged in a temp file. The test snapshots the test's temp
 * dir (apart from the SoftHSM token dir, which is the "hardware"), the os.tmpdir() the
 * signer sees (pointed at a fresh dir through TMPDIR), the working directory, and the
 * system temp dir, runs every operation, and compares.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changedFiles, snapshotFiles } from '../helpers/disk-snapshot.js';
import { listTokenKeys, Pkcs11Signer } from '../../lib/signers/pkcs11/signer.js';
import { createSoftHsm, type SoftHsm, STANDARD_KEYS } from '../helpers/softhsm.js';
import { rootTrusting, signDoc, tufJsError } from './tuf-verify.js';

const PEM_PRIVATE = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

function read(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return '';
  }
}

let hsm: SoftHsm;
let sandbox: string;
const systemTmp = tmpdir();

beforeAll(() => {
  hsm = createSoftHsm([
    {
      label: 'disk',
      keys: [
        ...STANDARD_KEYS,
        { type: 'EC:prime256v1', label: 'always', id: '06', alwaysAuth: true },
      ],
    },
  ]);
  sandbox = mkdtempSync(join(systemTmp, 'tufci-disk-'));
  mkdirSync(join(sandbox, 'tmp'));
  mkdirSync(join(sandbox, 'cwd'));
});
afterAll(() => {
  hsm.cleanup();
  rmSync(sandbox, { recursive: true, force: true });
});

describe('signing leaves no key material on disk', () => {
  it('writes nothing outside the token, and no private key anywhere', async () => {
    const ours = [hsm.dir, sandbox];
    const publicKeys: string[] = [];
    const beforeOurs = new Map([
      ...snapshotFiles(hsm.dir, [hsm.tokenDir]),
      ...snapshotFiles(sandbox, []),
    ]);
    const beforeSystem = snapshotFiles(systemTmp, ours, 3);

    const savedTmp = process.env.TMPDIR;
    const savedCwd = process.cwd();
    process.env.TMPDIR = join(sandbox, 'tmp');
    process.chdir(join(sandbox, 'cwd'));
    try {
      expect(tmpdir()).toBe(join(sandbox, 'tmp'));
      await listTokenKeys(hsm.module);
      for (const key of [{}, { id: '01' }, { label: 'tuf-p384' }, { id: '06' }]) {
        const signer = new Pkcs11Signer({ modulePath: hsm.module, key, pin: async () => hsm.pin });
        const pub = await signer.publicKey();
        publicKeys.push(pub.keyval.public);
        const doc = await signDoc(rootTrusting(pub), signer);
        expect(pub.scheme === 'ecdsa-sha2-nistp384' || tufJsError(doc) === undefined).toBe(true);
      }
    } finally {
      process.chdir(savedCwd);
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
    }

    const afterOurs = new Map([
      ...snapshotFiles(hsm.dir, [hsm.tokenDir]),
      ...snapshotFiles(sandbox, []),
    ]);
    expect(changedFiles(beforeOurs, afterOurs)).toEqual([]);
    for (const path of afterOurs.keys()) expect(read(path), path).not.toMatch(PEM_PRIVATE);

    // Other processes share the system temp dir, so a new file there only fails the
    // test if it holds a private key whose public half is one of this token's keys.
    const ourSpki = new Set(
      publicKeys.map((pem) =>
        createPublicKey(pem).export({ format: 'der', type: 'spki' }).toString('hex'),
      ),
    );
    for (const path of changedFiles(beforeSystem, snapshotFiles(systemTmp, ours, 3))) {
      const text = read(path);
      const pem = text.match(
        /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/,
      )?.[0];
      if (!pem) continue;
      let spki = '';
      try {
        spki = createPublicKey(createPrivateKey(pem))
          .export({ format: 'der', type: 'spki' })
          .toString('hex');
      } catch {
        continue; // encrypted or foreign: not ours, the token's keys are never exported
      }
      expect(ourSpki.has(spki), `${path} holds a token private key`).toBe(false);
    }
  });
});
