import type { RequestHandler } from 'express';
import type { Logger, RedisClient } from '@taskclaim/shared';
import { callerOf } from './auth';
import { HttpProblem } from './problem';

const WINDOW_MS = 60_000;
/** How often a process adds its counts to the shared ones (and learns the others'). */
const SYNC_MS = 100;
/** While Redis cannot be asked, one warning per this interval, not one per request. */
const WARN_EVERY_MS = 30_000;

interface TokenCount {
  window: number;
  /** the total of every process, as of the last sync */
  shared: number;
  /** counted here since the last sync */
  unsynced: number;
}

export interface RateLimiter {
  /** Counts one request of the token, unless it is over the limit: then how long until its minute ends. */
  consume(tokenId: number): { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };
  close(): void;
}

/**
 * RATE_LIMIT_PER_MINUTE requests per token in each clock minute, shared by every API process through
 * one Redis counter per token and minute. A request never waits for Redis: each process counts
 * locally and adds its counts to Redis every SYNC_MS (INCRBY; PEXPIRE on a new counter), learning
 * the others' totals back, and refuses a request once the last known total plus what it counted
 * since reaches the limit. Together the processes may overshoot by what they admit within one sync
 * interval. If Redis cannot be asked, the local counts decide alone: the limit protects the service,
 * it must not be the reason it fails.
 */
export function makeRateLimiter(options: { redis: RedisClient; prefix: string; perMinute: number; logger: Logger; now?: () => number }): RateLimiter {
  const now = options.now ?? Date.now;
  const counts = new Map<number, TokenCount>();
  let syncing = false;
  let lastWarning = -Infinity;

  const warn = (error: string) => {
    if (now() - lastWarning < WARN_EVERY_MS) return;
    lastWarning = now();
    options.logger.warn('rate limiter cannot reach Redis; counting in this process only', { error });
  };

  const sync = async () => {
    const window = Math.floor(now() / WINDOW_MS);
    const due = [...counts].filter(([tokenId, count]) => {
      if (count.window < window) counts.delete(tokenId);
      return count.window === window && count.unsynced > 0;
    });
    if (due.length === 0 || syncing) return;
    if (options.redis.status !== 'ready') return warn(`connection ${options.redis.status}`);
    syncing = true;
    try {
      await Promise.all(
        due.map(async ([tokenId, count]) => {
          const key = `${options.prefix}:rate-limit:${tokenId}:${window}`;
          const added = count.unsynced;
          count.unsynced = 0;
          try {
            const total = await options.redis.incrby(key, added);
            if (total === added) await options.redis.pexpire(key, WINDOW_MS + 5_000);
            count.shared = Math.max(count.shared, total);
          } catch (error) {
            count.unsynced += added;
            warn((error as Error).message);
          }
        }),
      );
    } finally {
      syncing = false;
    }
  };
  const timer = setInterval(() => void sync(), SYNC_MS);
  timer.unref();

  return {
    consume(tokenId) {
      const window = Math.floor(now() / WINDOW_MS);
      let count = counts.get(tokenId);
      if (!count || count.window !== window) {
        count = { window, shared: 0, unsynced: 0 };
        counts.set(tokenId, count);
      }
      const used = count.shared + count.unsynced;
      if (used >= options.perMinute) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now()) / 1000)) };
      count.unsynced += 1;
      return { allowed: true, remaining: options.perMinute - used - 1 };
    },
    close: () => clearInterval(timer),
  };
}

export function makeRateLimit(limiter: RateLimiter, perMinute: number): RequestHandler {
  return (_req, res, next) => {
    const result = limiter.consume(callerOf(res).id);
    if (!result.allowed) {
      throw new HttpProblem(429, 'rate_limited', `This token made more than ${perMinute} requests in a minute; retry in ${result.retryAfterSeconds} s.`, {}, {
        'Retry-After': String(result.retryAfterSeconds),
      });
    }
    res.setHeader('RateLimit-Limit', String(perMinute));
    res.setHeader('RateLimit-Remaining', String(result.remaining));
    next();
  };
}
