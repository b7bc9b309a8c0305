/**
 * The one list of error codes that mean "the peer could not be reached or stopped
 * answering" (Node's socket and DNS codes, undici's), not an answer from it. The OCI
 * transport retries on them, the TUF client and the KMS signer report them as network
 * failures (exit 4).
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Whether `code` (an error's `code` property) is a network failure. */
export function isNetworkCode(code: unknown): code is string {
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

/** The network error code of `e` or of one of its causes (five deep at most), if any. */
export function networkCode(e: unknown): string | undefined {
  let x: unknown = e;
  for (let depth = 0; depth < 5 && x && typeof x === 'object'; depth++) {
    const code = (x as { code?: unknown }).code;
    if (isNetworkCode(code)) return code;
    x = (x as { cause?: unknown }).cause;
  }
  return undefined;
}
