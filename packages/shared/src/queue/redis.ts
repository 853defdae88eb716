import { Redis, type RedisOptions } from 'ioredis';

export type RedisClient = Redis;

/**
 * `blocking` connections (BullMQ workers, pub/sub subscribers) wait forever for Redis to come back;
 * request-path connections fail fast so the API can answer 503 instead of hanging.
 */
export function makeRedis(url: string, role: 'blocking' | 'request', options: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: role === 'blocking' ? null : 1,
    enableOfflineQueue: role === 'blocking',
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    ...options,
  });
}
