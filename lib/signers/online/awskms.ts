/**
 * `awskms:KEY`: an asymmetric key in AWS KMS, named by key id, `alias/NAME` or ARN.
 * The region comes from the ARN, else AWS_REGION / AWS_DEFAULT_REGION, else the SDK's
 * own settings (profile); credentials from the SDK's standard chain (environment,
 * profile, SSO, web identity as GitHub's OIDC gives it, container, instance);
 * AWS_ENDPOINT_URL_KMS or AWS_ENDPOINT_URL points it elsewhere (a local emulator).
 * ECC_NIST_P256 keys sign `ecdsa-sha2-nistp256` (KMS returns the DER signature TUF
 * carries), RSA_2048/3072/4096 sign `rsassa-pss-sha256`. Messages up to 4096 bytes go
 * to KMS as they are (MessageType RAW); longer ones as their SHA-256 (DIGEST).
 * Every signature is checked against the public key before it is used. The SDK
 * (@aws-sdk/client-kms) loads only when an awskms: key is used.
 */
import { createHash, createPublicKey, verify, constants } from 'node:crypto';
import type { KMSClient, SigningAlgorithmSpec } from '@aws-sdk/client-kms';
import { tufKeyFromPublicPem } from '../../tuf/keys.js';
import type { TufPublicKey } from '../../tuf/types.js';
import type { Signer } from '../signer.js';
import { awsKmsError, KmsError } from './kms-errors.js';
import { type OnlineEnv, type OnlineScheme, uriRest } from './types.js';

/** The largest message AWS KMS signs as RAW. */
export const RAW_LIMIT = 4096;

const KEY_SPECS: Record<string, { scheme: string; algorithm: SigningAlgorithmSpec }> = {
  ECC_NIST_P256: { scheme: 'ecdsa-sha2-nistp256', algorithm: 'ECDSA_SHA_256' },
  RSA_2048: { scheme: 'rsassa-pss-sha256', algorithm: 'RSASSA_PSS_SHA_256' },
  RSA_3072: { scheme: 'rsassa-pss-sha256', algorithm: 'RSASSA_PSS_SHA_256' },
  RSA_4096: { scheme: 'rsassa-pss-sha256', algorithm: 'RSASSA_PSS_SHA_256' },
};

const ARN =
  /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(key\/[A-Za-z0-9-]+|alias\/[A-Za-z0-9/_-]+)$/;
const ALIAS = /^alias\/[A-Za-z0-9/_-]+$/;
const KEY_ID = /^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

function checkKeyRef(ref: string): string | undefined {
  if (ARN.test(ref) || ALIAS.test(ref) || KEY_ID.test(ref)) return undefined;
  return 'KEY must be a key id, alias/NAME, or a KMS key or alias ARN';
}

/** The settings a client for `ref` is made from; no secret among them. */
function clientSettings(ref: string, env: Record<string, string | undefined>) {
  const region = ARN.exec(ref)?.[1] ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined);
  const endpoint = env.AWS_ENDPOINT_URL_KMS || env.AWS_ENDPOINT_URL || undefined;
  const attempts = Number(env.AWS_MAX_ATTEMPTS);
  const maxAttempts = Number.isInteger(attempts) && attempts > 0 ? attempts : 5;
  const id = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  // Given keys are used as such; otherwise the SDK's standard chain looks for them.
  const credentials =
    id && secret
      ? {
          accessKeyId: id,
          secretAccessKey: secret,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        }
      : undefined;
  return { region, endpoint, maxAttempts, credentials };
}

export class AwsKmsSigner implements Signer {
  readonly description: string;
  #client: KMSClient | undefined;
  #region = 'unknown';
  #key: { tuf: TufPublicKey; pem: string; algorithm: SigningAlgorithmSpec } | undefined;

  constructor(
    private readonly ref: string,
    private readonly env: Record<string, string | undefined>,
  ) {
    this.description = `AWS KMS key ${ref}`;
  }

  async #kms(): Promise<typeof import('@aws-sdk/client-kms')> {
    return import('@aws-sdk/client-kms');
  }

  async #call<T>(op: string, fn: (client: KMSClient) => Promise<T>): Promise<T> {
    try {
      if (!this.#client) {
        const { KMSClient } = await this.#kms();
        const s = clientSettings(this.ref, this.env);
        this.#client = new KMSClient({
          ...(s.region ? { region: s.region } : {}),
          ...(s.endpoint ? { endpoint: s.endpoint } : {}),
          ...(s.credentials ? { credentials: s.credentials } : {}),
          maxAttempts: s.maxAttempts,
          retryMode: 'standard',
        });
        try {
          this.#region = await this.#client.config.region();
        } catch (e) {
          throw new KmsError(
            'no-region',
            `${this.description}: no AWS region (use the key's ARN, or set AWS_REGION)`,
            { cause: e },
          );
        }
      }
      return await fn(this.#client);
    } catch (e) {
      throw awsKmsError(e, this.description, this.#region, op);
    }
  }

  async #resolve() {
    if (this.#key) return this.#key;
    const { DescribeKeyCommand, GetPublicKeyCommand } = await this.#kms();
    const meta = await this.#call('DescribeKey', async (c) => {
      const r = await c.send(new DescribeKeyCommand({ KeyId: this.ref }));
      return r.KeyMetadata;
    });
    if (meta?.KeyState !== undefined && meta.KeyState !== 'Enabled') {
      throw new KmsError(
        'disabled',
        `${this.description}: the key is ${meta.KeyState} in region ${this.#region}; enable it to sign`,
      );
    }
    const spec = KEY_SPECS[meta?.KeySpec ?? ''];
    if (meta?.KeyUsage !== 'SIGN_VERIFY' || !spec) {
      throw new KmsError(
        'wrong-key',
        `${this.description}: a ${meta?.KeyUsage ?? '?'} key of spec ${meta?.KeySpec ?? '?'} cannot ` +
          `sign TUF metadata (use KeyUsage SIGN_VERIFY with ${Object.keys(KEY_SPECS).join(', ')})`,
      );
    }
    const der = await this.#call('GetPublicKey', async (c) => {
      const r = await c.send(new GetPublicKeyCommand({ KeyId: this.ref }));
      return r.PublicKey;
    });
    if (!der) throw new KmsError('failed', `${this.description}: GetPublicKey returned no key`);
    const pem = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' })
      .export({ format: 'pem', type: 'spki' })
      .toString();
    const tuf = tufKeyFromPublicPem(pem);
    if (tuf.scheme !== spec.scheme)
      throw new KmsError('wrong-key', `${this.description}: its public key is not ${spec.scheme}`);
    this.#key = { tuf, pem, algorithm: spec.algorithm };
    return this.#key;
  }

  async publicKey(): Promise<TufPublicKey> {
    return (await this.#resolve()).tuf;
  }

  async sign(data: Uint8Array): Promise<string> {
    const key = await this.#resolve();
    const { SignCommand } = await this.#kms();
    const raw = data.length <= RAW_LIMIT;
    const message = raw ? data : createHash('sha256').update(data).digest();
    const sig = await this.#call('Sign', async (c) => {
      const r = await c.send(
        new SignCommand({
          KeyId: this.ref,
          Message: message,
          MessageType: raw ? 'RAW' : 'DIGEST',
          SigningAlgorithm: key.algorithm,
        }),
      );
      return r.Signature;
    });
    const rsa = key.tuf.keytype === 'rsa';
    const ok =
      sig !== undefined &&
      verify(
        'sha256',
        data,
        rsa
          ? {
              key: key.pem,
              padding: constants.RSA_PKCS1_PSS_PADDING,
              saltLength: constants.RSA_PSS_SALTLEN_AUTO,
            }
          : { key: key.pem, dsaEncoding: 'der' },
        sig,
      );
    if (!ok)
      throw new KmsError(
        'bad-signature',
        `${this.description}: the signature AWS KMS returned does not verify with the key's public key`,
      );
    return Buffer.from(sig).toString('hex');
  }
}

export const awskms: OnlineScheme = {
  scheme: 'awskms',
  describe: 'awskms:KEY (an AWS KMS key id, alias/NAME or ARN)',
  check: (uri) => checkKeyRef(uriRest(uri)),
  signer: async (uri, o: OnlineEnv) => new AwsKmsSigner(uriRest(uri), o.env),
  publicKey: async (uri, o: OnlineEnv) => new AwsKmsSigner(uriRest(uri), o.env).publicKey(),
};
