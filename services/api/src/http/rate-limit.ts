import type { RequestHandler } from 'express';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger, RedisClient } from '@taskclaim/shared';
import { callerOf } from './auth';
import { HttpProblem } from './problem';

/**
 * RATE_LIMIT_PER_MINUTE requests per token, counted in Redis so every API process shares the budget.
 * If Redis cannot be asked, the request goes through: the limit protects the service, it must not
 * be the reason it fails. On a Redis Cluster each token's counter is one key, on whichever master owns its slot.
 */
export function makeRateLimit(options: { redis: RedisClient; prefix: string; perMinute: number; logger: Logger }): RequestHandler {
  const limiter = new RateLimiterRedis({
    storeClient: options.redis,
    keyPrefix: `${options.prefix}:rate-limit`,
    points: options.perMinute,
    duration: 60,
  });
  return async (_req, res, next) => {
    const caller = callerOf(res);
    try {
      const result = await limiter.consume(String(caller.id));
      res.setHeader('RateLimit-Limit', String(options.perMinute));
      res.setHeader('RateLimit-Remaining', String(result.remainingPoints));
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        throw new HttpProblem(429, 'rate_limited', `This token made more than ${options.perMinute} requests in a minute; retry in ${retryAfter} s.`, {}, {
          'Retry-After': String(retryAfter),
        });
      }
      options.logger.warn('rate limiter unavailable; request allowed', { error: (rejection as Error).message });
    }
    next();
  };
}
