/**
 * The Standard Webhooks retry schedule: after the 1st failed attempt wait 5 s, then 5 min, 30 min,
 * 2 h, 5 h, 10 h, and 10 h for any further attempt. Attempt 1 is sent at once.
 */
export const RETRY_DELAYS_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000] as const;

/** Retry-After asks for at most this long; a receiver cannot park an event for days. */
export const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/** ±20 %: receivers that failed together are not retried together. */
const JITTER = 0.2;

export interface RetryDelayOptions {
  /** WEBHOOK_RETRY_SCALE: 1 in production, small in tests */
  scale: number;
  /** the receiver's Retry-After, already in milliseconds */
  retryAfterMs?: number;
  random?: () => number;
}

/** How long to wait after `failedAttempts` attempts (1 or more) have failed. */
export function retryDelayMs(failedAttempts: number, options: RetryDelayOptions): number {
  const base = RETRY_DELAYS_MS[Math.min(failedAttempts, RETRY_DELAYS_MS.length) - 1];
  const jitter = 1 + JITTER * (2 * (options.random ?? Math.random)() - 1);
  const scheduled = Math.round(base * options.scale * jitter);
  // Never earlier than the receiver asked for.
  return options.retryAfterMs === undefined ? scheduled : Math.max(scheduled, Math.min(options.retryAfterMs, MAX_RETRY_AFTER_MS));
}

/** RFC 9110 Retry-After: delay-seconds or an HTTP-date. Undefined when absent or unreadable. */
export function parseRetryAfter(header: string | undefined, now: number = Date.now()): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (/^[0-9]{1,10}$/.test(value)) return Number(value) * 1000;
  // Every HTTP-date form starts with the day's name; this keeps Date.parse from reading "-5" as a year.
  const date = /^[A-Za-z]{3}/.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
