import { Worker } from 'bullmq';
import {
  claimQueueName,
  makeClaimQueues,
  makeDb,
  makeWebhookQueue,
  makeRedis,
  type ClaimJobData,
  type Config,
  type Logger,
} from '@taskclaim/shared';
import { makeClaimProcessor } from './claim-processor';
import { startReconciler, type Reconciler } from './reconciler';
import { startWebhookDispatcher } from './webhook-dispatcher';
import { makeWebhookSender } from './webhook-sender';

export interface ClaimWorkerProcess {
  reconciler: Reconciler;
  close(): Promise<void>;
}

/** One BullMQ worker per partition queue, each with concurrency 1; the queues' global concurrency 1 spans processes. */
export async function startClaimWorkers(config: Config, logger: Logger): Promise<ClaimWorkerProcess> {
  const db = makeDb(config.DATABASE_URL, { max: Math.min(config.CLAIM_PARTITIONS + 2, 20) });
  const connection = makeRedis(config.REDIS_URL, 'blocking');
  const publisher = makeRedis(config.REDIS_URL, 'request');
  for (const [name, redis] of [['redis', connection], ['redis-publisher', publisher]] as const) {
    redis.on('error', (error: Error) => logger.warn('redis connection error', { connection: name, error: error.message }));
  }
  const queues = makeClaimQueues({ connection, prefix: config.QUEUE_PREFIX, partitions: config.CLAIM_PARTITIONS, attempts: config.CLAIM_ATTEMPTS });
  await queues.enforceSerialization();
  const webhooks = makeWebhookQueue({ connection, prefix: config.QUEUE_PREFIX });
  const webhookDispatcher = startWebhookDispatcher({
    config,
    db,
    logger,
    connection,
    sender: makeWebhookSender({ allowPrivateNetworks: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS }),
  });

  const processor = makeClaimProcessor({ config, db, publisher, logger, webhooks });
  const workers = Array.from({ length: config.CLAIM_PARTITIONS }, (_, partition) => {
    const worker = new Worker<ClaimJobData>(claimQueueName(partition), processor, {
      connection,
      prefix: config.QUEUE_PREFIX,
      concurrency: 1,
      // A killed worker's job is taken back by another worker within about two lock periods.
      lockDuration: config.CLAIM_LOCK_MS,
      stalledInterval: config.CLAIM_LOCK_MS,
      maxStalledCount: 10,
    });
    worker.on('error', (error) => logger.warn('worker error', { partition, error: error.message }));
    return worker;
  });
  const reconciler = startReconciler({ config, db, queues, webhooks, logger });
  logger.info('claim workers started', { partitions: config.CLAIM_PARTITIONS, prefix: config.QUEUE_PREFIX });

  return {
    reconciler,
    async close() {
      await reconciler.stop();
      // close() lets each worker finish the job it holds before returning.
      await Promise.all([...workers.map((worker) => worker.close()), webhookDispatcher.close()]);
      await queues.close();
      await webhooks.close();
      await db.destroy();
      publisher.disconnect();
      connection.disconnect();
    },
  };
}
