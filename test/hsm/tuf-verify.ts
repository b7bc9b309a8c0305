/**
 * Test support: a root metadata document trusting one key, signed through a Signer,
 * and verified by two independent implementations: @tufjs/models in process, and
 * python-tuf 5.1 (unpacked under /opt/tuf-py) in a child process.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalize } from '@tufjs/canonical-json';
import { Metadata, MetadataKind } from '@tufjs/models';
import type { Signer } from '../../lib/signers/signer.js';
import type { TufPublicKey } from '../../lib/tuf/types.js';
import { keyId } from '../../lib/tuf/keys.js';

export interface SignedDoc {
  signatures: { keyid: string; sig: string }[];
  signed: Record<string, unknown>;
}

/**
 * Root v1 whose four roles all trust `key`. The owner field carries non-ASCII and a
 * control character, so the canonical JSON dialect is exercised too.
 */
export function rootTrusting(key: TufPublicKey): SignedDoc {
  const keyid = keyId(key);
  const role = { keyids: [keyid], threshold: 1 };
  return {
    signatures: [],
    signed: {
      _type: 'root',
      spec_version: '1.0.31',
      version: 1,
      expires: '2030-01-01T00:00:00Z',
      consistent_snapshot: true,
      keys: { [keyid]: { ...key, 'x-tuf-on-ci-keyowner': '@sïgnér\u0007' } },
      roles: { root: role, targets: role, snapshot: role, timestamp: role },
    },
  };
}

/** Signs the canonical bytes of `doc.signed` and appends the signature. */
export async function signDoc(doc: SignedDoc, signer: Signer): Promise<SignedDoc> {
  const keyid = keyId(await signer.publicKey());
  const sig = await signer.sign(Buffer.from(canonicalize(doc.signed)));
  return { ...doc, signatures: [...doc.signatures, { keyid, sig }] };
}

/** @tufjs/models: root verifies itself. Returns the error message, or undefined when valid. */
export function tufJsError(doc: SignedDoc): string | undefined {
  try {
    const md = Metadata.fromJSON(MetadataKind.Root, JSON.parse(JSON.stringify(doc)));
    md.verifyDelegate('root', md);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

const PYTHON_VERIFY = `
import sys
from tuf.api.metadata import Metadata, Root
md = Metadata.from_file(sys.argv[1])
md.verify_delegate(Root.type, md)
print("verified", md.signed.keys[next(iter(md.signatures))].scheme)
`;

let written = 0;

/** python-tuf: root verifies itself. Returns its output; `ok` when verification passed. */
export function pythonTufVerify(doc: SignedDoc, dir: string): { ok: boolean; output: string } {
  const file = join(dir, `root-${++written}.json`);
  writeFileSync(file, JSON.stringify(doc, null, 1));
  const result = spawnSync('/usr/bin/python3', ['-c', PYTHON_VERIFY, file], {
    env: { PATH: '/usr/bin:/bin', PYTHONPATH: '/opt/tuf-py/usr/lib/python3/dist-packages' },
    encoding: 'utf8',
  });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}
