import type { RequestHandler } from 'express';
import type { Logger } from '@taskclaim/shared/runtime';
import type { RedisClient } from '@taskclaim/shared/queue';
import { callerOf } from './auth';
import { HttpProblem } from './problem';

const WINDOW_MS = 60_000;
/** How often a process considers adding its counts to the shared ones (and learning the others'). */
const TICK_MS = 100;
/**
 * A token far from its limit is synced at least this often; one close to it at every tick. Rarely: a
 * process never admits more than SHARE_OF_REMAINING of what is left without syncing, whatever this
 * says, so it only keeps RateLimit-Remaining fresh (each sync is a Redis command).
 */
const QUIET_SYNC_MS = 10_000;
/** Close to the limit: the unsynced count reaches this share of what is left. */
const SHARE_OF_REMAINING = 1 / 16;
/** While Redis cannot be asked, one warning per this interval, not one per request. */
const WARN_EVERY_MS = 30_000;

/**
 * Adds to a token's shared counter and returns it with its time to live, starting the window (one
 * minute from the token's first request) when the counter is new — atomically, so no counter is
 * ever left without an expiry.
 */
const ADD_SCRIPT = `local total = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]); ttl = tonumber(ARGV[2]) end
return {total, ttl}`;

interface TokenCount {
  /** when this process believes the token's window ends (learned from Redis on the window's first sync) */
  windowEndsAt: number;
  /** false until the first sync of this window told when it ends */
  windowKnown: boolean;
  /** the total of every process, as of the last sync */
  shared: number;
  /** counted here since the last sync */
  unsynced: number;
  /** sent to Redis, its answer not yet back (counted neither in shared nor in unsynced) */
  sending: number;
  syncedAt: number;
}

export interface RateLimiter {
  /** Counts one request of the token, unless it is over the limit: then how long until its window ends. */
  consume(tokenId: number): { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };
  close(): void;
}

/**
 * RATE_LIMIT_PER_MINUTE requests per token per window (a minute from the token's first request),
 * shared by every API process through one Redis counter per token. A request never waits for Redis:
 * each process counts locally and adds its counts to the counter in the background — at every tick
 * for a token close to its limit, every ten seconds for one far from it — learning the other
 * processes' totals back, and refuses a request once the last known total plus what it counted since
 * reaches the limit. Together the processes may overshoot by what each admits between two syncs (at
 * most a sixteenth of what is left). If Redis cannot be asked, the local counts decide alone: the
 * limit protects the service, it must not be the reason it fails.
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

  const isDue = (count: TokenCount, at: number) =>
    count.unsynced > 0 && (count.unsynced >= (options.perMinute - count.shared) * SHARE_OF_REMAINING || at - count.syncedAt >= QUIET_SYNC_MS);

  const add = async (tokenId: number, count: TokenCount, at: number) => {
    const key = `${options.prefix}:rate-limit:${tokenId}`;
    const added = count.unsynced;
    count.unsynced = 0;
    count.sending = added;
    count.syncedAt = at;
    try {
      if (count.windowKnown) {
        const total = await options.redis.incrby(key, added);
        // The counter expired under us and this add made a new one: it needs its window.
        if (total === added) await options.redis.pexpire(key, WINDOW_MS);
        count.shared = total;
      } else {
        const [total, ttl] = (await options.redis.eval(ADD_SCRIPT, 1, key, added, WINDOW_MS)) as [number, number];
        Object.assign(count, { shared: total, windowEndsAt: at + ttl, windowKnown: true });
      }
    } catch (error) {
      count.unsynced += added;
      warn((error as Error).message);
    } finally {
      count.sending = 0;
    }
  };

  const sync = async () => {
    const at = now();
    for (const [tokenId, count] of counts) if (count.windowEndsAt <= at) counts.delete(tokenId);
    const due = [...counts].filter(([, count]) => isDue(count, at));
    if (due.length === 0 || syncing) return;
    if (options.redis.status !== 'ready') return warn(`connection ${options.redis.status}`);
    syncing = true;
    try {
      await Promise.all(due.map(([tokenId, count]) => add(tokenId, count, at)));
    } finally {
      syncing = false;
    }
  };
  const timer = setInterval(() => void sync(), TICK_MS);
  timer.unref();

  return {
    consume(tokenId) {
      const at = now();
      let count = counts.get(tokenId);
      if (!count || count.windowEndsAt <= at) {
        count = { windowEndsAt: at + WINDOW_MS, windowKnown: false, shared: 0, unsynced: 0, sending: 0, syncedAt: -Infinity };
        counts.set(tokenId, count);
      }
      const used = count.shared + count.sending + count.unsynced;
      if (used >= options.perMinute) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((count.windowEndsAt - at) / 1000)) };
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
      const detail = {
        en: `This token made more than ${perMinute} requests in a minute; retry in ${result.retryAfterSeconds} s.`,
        zh: `此令牌一分钟内的请求超过了 ${perMinute} 次，请在 ${result.retryAfterSeconds} 秒后重试`,
      };
      throw new HttpProblem(429, 'rate_limited', detail, {}, {
        'Retry-After': String(result.retryAfterSeconds),
        'RateLimit-Limit': String(perMinute),
        'RateLimit-Remaining': '0',
      });
    }
    res.setHeader('RateLimit-Limit', String(perMinute));
    res.setHeader('RateLimit-Remaining', String(result.remaining));
    next();
  };
}
