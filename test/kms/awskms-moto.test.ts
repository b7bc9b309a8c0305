/**
 * The awskms: online key scheme against moto's KMS server: public keys from
 * GetPublicKey, RAW signatures over TUF metadata that python-tuf (securesystemslib)
 * and tuf-js (@tufjs/models) verify, and the DIGEST request for messages over 4096
 * bytes. moto 5.1 does not implement MessageType=DIGEST (it signs the digest bytes
 * as if they were the message), so the DIGEST path is checked by the request it
 * sends, and the signature moto returns for it is refused by the signer's own check.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Key, Metadata, MetadataKind } from '@tufjs/models';
import { AwsKmsSigner, RAW_LIMIT } from '../../lib/signers/online/awskms.js';
import { onlinePublicKey, onlineSigner } from '../../lib/signers/online/index.js';
import { KmsError } from '../../lib/signers/online/kms-errors.js';
import { keyId } from '../../lib/tuf/keys.js';
import { signedBytes } from '../../lib/tuf/envelope.js';
import type { Envelope } from '../../lib/tuf/types.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { runPython } from '../helpers/python-tuf.js';

function targets(paths: number): Envelope {
  const t: Record<string, { length: number; hashes: { sha256: string } }> = {};
  for (let i = 0; i < paths; i++)
    t[`file-${i}.txt`] = { length: i, hashes: { sha256: 'ab'.repeat(32) } };
  return {
    signed: {
      _type: 'targets',
      spec_version: '1.0.31',
      version: 1,
      expires: '2030-01-01T00:00:00Z',
      targets: t,
    },
    signatures: [],
  } as unknown as Envelope;
}

async function pythonVerifies(env: Envelope, keyid: string, key: object): Promise<boolean> {
  const r = await runPython<{ ok: boolean; error?: string }>('verify_signature.py', {
    metadata: JSON.stringify(env),
    keyid,
    key,
  });
  return r.ok;
}

function tufJsVerifies(env: Envelope, keyid: string, key: object): boolean {
  try {
    Key.fromJSON(keyid, key as never).verifySignature(
      Metadata.fromJSON(MetadataKind.Targets, env as never),
    );
    return true;
  } catch {
    return false;
  }
}

describe('awskms: on moto', () => {
  let moto: Moto;
  beforeAll(async () => {
    moto = await startMoto();
  }, 60_000);
  afterAll(async () => moto?.stop());

  it.each([
    ['ECC_NIST_P256', 'ecdsa', 'ecdsa-sha2-nistp256'],
    ['RSA_2048', 'rsa', 'rsassa-pss-sha256'],
    ['RSA_3072', 'rsa', 'rsassa-pss-sha256'],
  ] as const)(
    '%s: RAW signatures verify in python-tuf and tuf-js',
    async (spec, keytype, scheme) => {
      const k = await moto.createKey(spec);
      await moto.alias(`alias/tuf-${spec.toLowerCase()}`, k.id);
      const env = { env: moto.env };
      const pub = await onlinePublicKey(`awskms:alias/tuf-${spec.toLowerCase()}`, env);
      expect(pub.keytype).toBe(keytype);
      expect(pub.scheme).toBe(scheme);
      // the same key by id and by ARN
      expect(keyId(await onlinePublicKey(`awskms:${k.id}`, env))).toBe(keyId(pub));
      expect(keyId(await onlinePublicKey(`awskms:${k.arn}`, env))).toBe(keyId(pub));

      const md = targets(3);
      expect(signedBytes(md).length).toBeLessThanOrEqual(RAW_LIMIT);
      const signer = await onlineSigner(`awskms:${k.arn}`, env);
      const id = keyId(pub);
      md.signatures = [{ keyid: id, sig: await signer.sign(signedBytes(md)) }];
      expect(await pythonVerifies(md, id, pub)).toBe(true);
      expect(tufJsVerifies(md, id, pub)).toBe(true);

      // the checks can fail: the same signature over other content
      const tampered = { ...md, signed: { ...md.signed, version: 2 } } as Envelope;
      expect(await pythonVerifies(tampered, id, pub)).toBe(false);
      expect(tufJsVerifies(tampered, id, pub)).toBe(false);
    },
  );

  it('sends RAW up to 4096 bytes and the SHA-256 as DIGEST above', async () => {
    const k = await moto.createKey('ECC_NIST_P256');
    const proxy = await startFaultProxy(moto.url);
    try {
      const signer = new AwsKmsSigner(k.id, { ...moto.env, AWS_ENDPOINT_URL: proxy.url });
      const signRequests = () =>
        proxy.requests
          .filter((r) => r.headers['x-amz-target'] === 'TrentService.Sign')
          .map((r) => JSON.parse(r.body.toString('utf8')) as Record<string, string>);

      const small = Buffer.alloc(RAW_LIMIT, 'a');
      await signer.sign(small);
      expect(signRequests()[0]).toMatchObject({
        KeyId: k.id,
        MessageType: 'RAW',
        Message: small.toString('base64'),
        SigningAlgorithm: 'ECDSA_SHA_256',
      });

      const large = Buffer.alloc(RAW_LIMIT + 1, 'a');
      const digest = createHash('sha256').update(large).digest('base64');
      // moto signs the 32 digest bytes as a message, so the signature is not over `large`
      // and the signer refuses it rather than hand out a signature that does not verify.
      const err = await signer.sign(large).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KmsError);
      expect((err as KmsError).reason).toBe('bad-signature');
      expect(signRequests()[1]).toMatchObject({
        KeyId: k.id,
        MessageType: 'DIGEST',
        Message: digest,
        SigningAlgorithm: 'ECDSA_SHA_256',
      });
    } finally {
      await proxy.close();
    }
  });
});
