/** When to retry a registry request, and how long to wait first. */
import { isNetworkCode } from '../../util/network.js';

export interface RetryPolicy {
  /** Total attempts, the first included (default 5). */
  maxAttempts: number;
  /** Delay before the second attempt; doubles each time (default 250 ms). */
  backoffMs: number;
  /** Upper bound of any one delay, Retry-After included (default 30 s). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  backoffMs: 250,
  maxDelayMs: 30_000,
};

/** 429 and 5xx are worth another try; 501 (not implemented) and 505 are not. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/** True for dropped connections and the like: `fetch failed`, `terminated`, ECONNRESET... */
export function isNetworkError(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; depth++) {
    if (typeof e !== 'object') return false;
    const { message, code, cause } = e as { message?: unknown; code?: unknown; cause?: unknown };
    if (e instanceof TypeError && (message === 'fetch failed' || message === 'terminated')) {
      return true;
    }
    if (isNetworkCode(code)) return true;
    if (e instanceof AggregateError && e.errors.some(isNetworkError)) return true;
    e = cause;
  }
  return false;
}

/**
 * The delay before attempt `attempt + 1`: the server's Retry-After when it gave one
 * (seconds, or an HTTP date when a clock is at hand), else exponential backoff.
 */
export function retryDelay(
  policy: RetryPolicy,
  attempt: number,
  retryAfter: string | null,
  now?: () => number,
): number {
  const backoff = policy.backoffMs * 2 ** (attempt - 1);
  let delay = backoff;
  if (retryAfter) {
    const trimmed = retryAfter.trim();
    if (/^\d+$/.test(trimmed)) {
      delay = Number(trimmed) * 1000;
    } else if (now) {
      const at = Date.parse(trimmed);
      if (!Number.isNaN(at)) delay = Math.max(0, at - now());
    }
  }
  return Math.min(delay, policy.maxDelayMs);
}
