import { TaskclaimApiError } from '@taskclaim/client';

/** How a failed request should be retried: `busy` (429/503) or `offline` (no answer), and after how long. */
export interface Retry {
  kind: 'busy' | 'offline';
  delayMs: number;
}

const MAX_DELAY_MS = 5 * 60_000;

/** ±20 %, so that phones that failed together do not come back together. */
export const jitter = (ms: number): number => Math.round(ms * (0.8 + Math.random() * 0.4));

/** `baseMs` doubled for each attempt before (0, 1, 2 …), up to 5 minutes, jittered. */
export const backoff = (attempt: number, baseMs: number): number => jitter(Math.min(MAX_DELAY_MS, baseMs * 2 ** attempt));

/**
 * The retry for an error worth retrying, else undefined. A 429 or 503 waits at least its `Retry-After`;
 * they, 502/504, and network failures, back off exponentially from `baseMs` (attempt 0, 1, 2 …) up to 5 minutes.
 */
export function retryFor(error: unknown, attempt: number, baseMs: number): Retry | undefined {
  if (error instanceof TaskclaimApiError) {
    // 502 and 504 come from a proxy in front of an API that is restarting.
    if (![429, 502, 503, 504].includes(error.status)) return undefined;
    const retryAfterMs = (error.retryAfter ?? 0) * 1000;
    return { kind: 'busy', delayMs: Math.max(retryAfterMs, backoff(attempt, baseMs)) };
  }
  // fetch rejects with a TypeError when there is no answer at all (offline, connection refused or reset).
  if (error instanceof TypeError) return { kind: 'offline', delayMs: backoff(attempt, baseMs) };
  return undefined;
}

export const isAbort = (error: unknown): boolean => error instanceof DOMException && error.name === 'AbortError';

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
