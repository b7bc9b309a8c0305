/** The online key scheme registry: URI checks, refusals, and KMS errors typed by code. */
import { describe, expect, it } from 'vitest';
import { NotFoundException, DisabledException } from '@aws-sdk/client-kms';
import { NetworkError, UserError } from '../../lib/errors.js';
import {
  checkOnlineUri,
  onlineSchemes,
  onlineSigner,
  onlineUriProblem,
  signableUris,
} from '../../lib/signers/online/index.js';
import { awsKmsError, KmsError } from '../../lib/signers/online/kms-errors.js';
import { generateKey } from '../../lib/signers/keyfile.js';
import { keyId } from '../../lib/tuf/keys.js';

describe('online key scheme registry', () => {
  it('lists each scheme once; signable ones are offered in messages', () => {
    const names = onlineSchemes().map((s) => s.scheme);
    expect(names).toEqual(['envvar', 'file', 'pkcs11', 'awskms', 'gcpkms', 'azurekms']);
    expect(signableUris()).toBe(
      'envvar:NAME, file:PATH, pkcs11:token=…;object=…?module-path=…, awskms:KEY',
    );
  });

  it.each([
    'envvar:TUFCI_ONLINE_KEY',
    'file:/keys/online.pem',
    'pkcs11:token=ci;object=tuf-online?module-path=/usr/lib/softhsm/libsofthsm2.so',
    'awskms:alias/tuf-online',
    'awskms:0b5f2a1c-3d4e-4f5a-8b6c-7d8e9f0a1b2c',
    'awskms:arn:aws:kms:eu-west-1:123456789012:key/0b5f2a1c-3d4e-4f5a-8b6c-7d8e9f0a1b2c',
    'awskms:arn:aws:kms:eu-west-1:123456789012:alias/tuf-online',
  ])('accepts %s', (uri) => {
    expect(onlineUriProblem(uri)).toBeUndefined();
    expect(() => checkOnlineUri(uri, '--online-uri')).not.toThrow();
  });

  it.each([
    ['bogus', 'unknown scheme'],
    ['envvar:1BAD', 'NAME must be an environment variable name'],
    ['file:', 'PATH is empty'],
    ['awskms:', 'KEY must be a key id'],
    ['awskms:arn:aws:s3:::bucket', 'KEY must be a key id'],
    ['gcpkms:projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1', 'gcpkms:'],
    ['azurekms:https://v.vault.azure.net/keys/k/1', 'azurekms:'],
  ])('refuses %s before it reaches root', (uri, problem) => {
    expect(() => checkOnlineUri(uri, '--online-uri')).toThrow(UserError);
    expect(() => checkOnlineUri(uri, '--online-uri')).toThrow(problem);
  });

  it('refuses to sign with gcpkms: and azurekms:, naming the scheme and the alternatives', async () => {
    for (const uri of ['gcpkms:projects/p/x', 'azurekms:https://v.vault.azure.net/keys/k/1']) {
      const err = await onlineSigner(uri, { env: {} }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toContain(`(${uri.split(':')[0]}:) is not supported yet`);
      expect((err as Error).message).toContain('awskms:KEY');
    }
  });

  it('envvar: takes the secret handed over in place of the variable', async () => {
    const k = generateKey('ecdsa');
    const signer = await onlineSigner('envvar:UNSET_HERE', { env: {}, secret: k.privatePem });
    expect(keyId(await signer.publicKey())).toBe(keyId(k.tufKey));
    await expect(onlineSigner('envvar:UNSET_HERE', { env: {} })).rejects.toThrow(
      'environment variable UNSET_HERE is not set',
    );
  });
});

describe('AWS KMS errors by code', () => {
  const map = (e: unknown) => awsKmsError(e, 'AWS KMS key alias/x', 'eu-west-1', 'Sign');
  const meta = { $metadata: {}, message: 'secret-free' };

  it.each([
    [new NotFoundException(meta), 'not-found', 'no such key in region eu-west-1'],
    [new DisabledException(meta), 'disabled', 'disabled'],
    [Object.assign(new Error('x'), { name: 'AccessDeniedException' }), 'access-denied', 'kms:Sign'],
    [Object.assign(new Error('x'), { name: 'ThrottlingException' }), 'throttled', 'retries'],
    [
      Object.assign(new Error('x'), { name: 'CredentialsProviderError' }),
      'no-credentials',
      'AWS_PROFILE',
    ],
    [
      Object.assign(new Error('x'), { name: 'InvalidKeyUsageException' }),
      'wrong-key',
      'SIGN_VERIFY',
    ],
  ])('%s → %s', (e, reason, words) => {
    const err = map(e);
    expect(err).toBeInstanceOf(KmsError);
    expect((err as KmsError).reason).toBe(reason);
    expect((err as KmsError).code).toBe('signer');
    expect(err.message).toContain(words);
  });

  it('a refused connection is a NetworkError', () => {
    const err = map(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect(err).toBeInstanceOf(NetworkError);
  });
});
