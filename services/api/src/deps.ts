import {
  makeClaimQueues,
  makeClaimWaiters,
  makeDb,
  makeRedis,
  makeWebhookQueue,
  type ClaimQueues,
  type ClaimWaiters,
  type Config,
  type Db,
  type Logger,
  type WebhookQueue,
} from '@taskclaim/shared';
import type { Redis } from 'ioredis';
import { makeApiMetrics, type ApiMetrics } from './metrics';

export interface ApiDeps {
  config: Config;
  logger: Logger;
  db: Db;
  redis: Redis;
  queues: ClaimQueues;
  /** inline dispatch decides claims here, so it enqueues their webhooks too */
  webhooks: WebhookQueue;
  waiters: ClaimWaiters;
  metrics: ApiMetrics;
  /** called between storing a claim and enqueueing it: where the fault tests kill the API */
  afterClaimStored(): void;
  close(): Promise<void>;
}

function makeFaultSwitch(config: Config): () => void {
  const killAfter = config.FAULT_KILL_API_AFTER_STORED_CLAIMS;
  let stored = 0;
  return () => {
    if (killAfter !== undefined && ++stored >= killAfter) process.kill(process.pid, 'SIGKILL');
  };
}

export async function makeApiDeps(config: Config, logger: Logger): Promise<ApiDeps> {
  const db = makeDb(config.DATABASE_URL, { max: 20 });
  const redis = makeRedis(config.REDIS_URL, 'request');
  const subscriber = makeRedis(config.REDIS_URL, 'blocking');
  for (const [name, connection] of [['redis', redis], ['redis-subscriber', subscriber]] as const) {
    connection.on('error', (error: Error) => logger.warn('redis connection error', { connection: name, error: error.message }));
  }
  const queues = makeClaimQueues({ connection: redis, prefix: config.QUEUE_PREFIX, partitions: config.CLAIM_PARTITIONS, attempts: config.CLAIM_ATTEMPTS });
  const webhooks = makeWebhookQueue({ connection: redis, prefix: config.QUEUE_PREFIX });
  const waiters = await makeClaimWaiters(subscriber, config.QUEUE_PREFIX);
  const metrics = makeApiMetrics(() => waiters);
  return {
    config,
    logger,
    db,
    redis,
    queues,
    webhooks,
    waiters,
    metrics,
    afterClaimStored: makeFaultSwitch(config),
    async close() {
      await waiters.close();
      await queues.close();
      await webhooks.close();
      await db.destroy();
      subscriber.disconnect();
      redis.disconnect();
    },
  };
}
