import { DEFAULT_TIMEOUT_MS } from '../lib/client/fetchers.js';
import { UsageError } from '../lib/errors.js';

/** `--timeout` in milliseconds (default 30 s); anything but a positive number is refused. */
export function timeoutMs(o: { timeout?: string }): number {
  if (o.timeout === undefined) return DEFAULT_TIMEOUT_MS;
  const s = Number(o.timeout);
  if (!/^\d+(\.\d+)?$/.test(o.timeout.trim()) || !(s > 0))
    throw new UsageError(`--timeout "${o.timeout}": give a number of seconds above 0`);
  return Math.round(s * 1000);
}
