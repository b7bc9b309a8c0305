/**
 * Cloud KMS failures as typed errors. Cloud SDKs report what went wrong by the
 * error's name (its service error code) and transport errors by their `code`; the
 * mapping looks at those, never at message text. Messages name the key and region
 * only: nothing about the key's material is ever known here, let alone printed.
 */
import { NetworkError, SignerError } from '../../errors.js';
import { isNetworkCode } from '../../util/network.js';

/** Why a KMS could not give a public key or a signature. */
export type KmsFailure =
  | 'no-credentials'
  | 'no-region'
  | 'not-found'
  | 'disabled'
  | 'wrong-key'
  | 'access-denied'
  | 'throttled'
  | 'bad-signature'
  | 'failed';

/** A cloud KMS refused or failed an operation (exit code 5, as every signer error). */
export class KmsError extends SignerError {
  readonly reason: KmsFailure;

  constructor(reason: KmsFailure, message: string, options?: ErrorOptions) {
    super('failed', message, options);
    this.name = 'KmsError';
    this.reason = reason;
  }
}

/** AWS service error codes (the SDK's exception names), by failure. */
const AWS_CODES: Record<string, KmsFailure> = {
  CredentialsProviderError: 'no-credentials',
  NotFoundException: 'not-found',
  DisabledException: 'disabled',
  KMSInvalidStateException: 'disabled',
  InvalidKeyUsageException: 'wrong-key',
  UnsupportedOperationException: 'wrong-key',
  AccessDeniedException: 'access-denied',
  UnrecognizedClientException: 'access-denied',
  InvalidClientTokenId: 'access-denied',
  InvalidSignatureException: 'access-denied',
  IncompleteSignature: 'access-denied',
  ExpiredTokenException: 'access-denied',
  ThrottlingException: 'throttled',
  Throttling: 'throttled',
  TooManyRequestsException: 'throttled',
  LimitExceededException: 'throttled',
};

function sayWhat(reason: KmsFailure, key: string, region: string, op: string): string {
  switch (reason) {
    case 'no-credentials':
      return (
        `${key}: no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ` +
        `AWS_PROFILE, or on GitHub Actions use OIDC through aws-actions/configure-aws-credentials)`
      );
    case 'not-found':
      return `${key}: no such key in region ${region} (check the key id, alias or ARN, and AWS_REGION)`;
    case 'disabled':
      return `${key}: the key is disabled or pending deletion in region ${region}; enable it to sign`;
    case 'wrong-key':
      return `${key}: the key cannot ${op} (it must be an asymmetric SIGN_VERIFY key)`;
    case 'access-denied':
      return (
        `${key}: AWS refused ${op} (access denied): the credentials need kms:DescribeKey, ` +
        `kms:GetPublicKey and kms:Sign on this key`
      );
    case 'throttled':
      return `${key}: AWS KMS kept throttling ${op} after retries with backoff; try again later`;
    default:
      return `${key}: AWS KMS ${op} failed`;
  }
}

/** The typed error for something the AWS SDK threw while doing `op` with `key`. */
export function awsKmsError(e: unknown, key: string, region: string, op: string): Error {
  if (e instanceof SignerError || e instanceof NetworkError) return e;
  const err = e as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number } };
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const name = typeof err?.name === 'string' ? err.name : '';
  if (isNetworkCode(code) || name === 'TimeoutError') {
    return new NetworkError(`${key}: cannot reach AWS KMS in region ${region} (${code ?? name})`, {
      cause: e,
    });
  }
  const reason = AWS_CODES[name];
  if (reason) return new KmsError(reason, sayWhat(reason, key, region, op), { cause: e });
  const status = err?.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) {
    return new NetworkError(`${key}: AWS KMS answered ${op} with ${status} (${name})`, {
      cause: e,
    });
  }
  return new KmsError(
    'failed',
    `${sayWhat('failed', key, region, op)}${name ? ` (${name})` : ''}`,
    {
      cause: e,
    },
  );
}
