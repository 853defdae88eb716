import {
  makeClaimQueues,
  makeClaimWaiters,
  makeDb,
  makeRedis,
  type ClaimQueues,
  type ClaimWaiters,
  type Config,
  type Db,
  type Logger,
} from '@taskclaim/shared';
import type { Redis } from 'ioredis';

export interface ApiDeps {
  config: Config;
  logger: Logger;
  db: Db;
  redis: Redis;
  queues: ClaimQueues;
  waiters: ClaimWaiters;
  close(): Promise<void>;
}

export async function makeApiDeps(config: Config, logger: Logger): Promise<ApiDeps> {
  const db = makeDb(config.DATABASE_URL, { max: 20 });
  const redis = makeRedis(config.REDIS_URL, 'request');
  const subscriber = makeRedis(config.REDIS_URL, 'blocking');
  for (const [name, connection] of [['redis', redis], ['redis-subscriber', subscriber]] as const) {
    connection.on('error', (error: Error) => logger.warn('redis connection error', { connection: name, error: error.message }));
  }
  const queues = makeClaimQueues({ connection: redis, prefix: config.QUEUE_PREFIX, partitions: config.CLAIM_PARTITIONS, attempts: config.CLAIM_ATTEMPTS });
  const waiters = await makeClaimWaiters(subscriber, config.QUEUE_PREFIX);
  return {
    config,
    logger,
    db,
    redis,
    queues,
    waiters,
    async close() {
      await waiters.close();
      await queues.close();
      await db.destroy();
      subscriber.disconnect();
      redis.disconnect();
    },
  };
}
