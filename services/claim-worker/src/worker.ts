import { Worker } from 'bullmq';
import {
  claimPartitions,
  claimQueueName,
  WEBHOOK_QUEUE_NAME,
  makeClaimQueues,
  makeWebhookQueue,
  makeLeaseQueue,
  LEASE_QUEUE_NAME,
  makeReconcilerQueue,
  RECONCILER_QUEUE_NAME,
  makeRedis,
  queuePrefix,
  type ClaimJobData,
} from '@taskclaim/shared/queue';
import { makeClaimDecisionMetrics, makeReportDecisions, makeMetricsRegistry } from '@taskclaim/shared';
import { makeDb } from '@taskclaim/shared/db';
import { type Config, type Logger } from '@taskclaim/shared/runtime';
import { makeClaimProcessor, makeClaimStore } from './claim-processor';
import { makeWebhookDeliveryCounter, registerQueueDepth, startMetricsServer } from './metrics';
import { startLeaseExpiry, type LeaseExpiry } from './lease-expiry';
import { startReconciler, type Reconciler } from './reconciler';
import { startWebhookDispatcher } from './webhook-dispatcher';
import { makeWebhookSender } from './webhook-sender';

export interface ClaimWorkerProcess {
  reconciler: Reconciler;
  leaseExpiry: LeaseExpiry;
  /** where GET /metrics answers, when this process got the port */
  metricsPort?: number;
  close(): Promise<void>;
}

/** One BullMQ worker per partition queue (the claim-next one included), each with concurrency 1; the queues' global concurrency 1 spans processes. */
export async function startClaimWorkers(config: Config, logger: Logger): Promise<ClaimWorkerProcess> {
  const db = makeDb(config.DATABASE_URL, { max: config.DATABASE_POOL_MAX });
  // A single Redis, or a Redis Cluster when REDIS_CLUSTER_NODES is set (each partition on its own hash tag).
  const connection = makeRedis(config, 'blocking');
  const publisher = makeRedis(config, 'request');
  for (const [name, redis] of [['redis', connection], ['redis-publisher', publisher]] as const) {
    redis.on('error', (error: Error) => logger.warn('redis connection error', { connection: name, error: error.message }));
  }
  const queues = makeClaimQueues({ connection, prefix: config.QUEUE_PREFIX, logger, partitions: config.CLAIM_PARTITIONS, attempts: config.CLAIM_ATTEMPTS });
  await queues.enforceSerialization();
  const webhooks = makeWebhookQueue({ connection, prefix: config.QUEUE_PREFIX, logger });
  const leases = makeLeaseQueue({ connection, prefix: config.QUEUE_PREFIX, logger });
  const rounds = makeReconcilerQueue({ connection, prefix: config.QUEUE_PREFIX, logger });
  const registry = makeMetricsRegistry('claim-worker');
  registerQueueDepth(registry, [
    ...queues.queues.map((queue) => ({ name: queue.name, queue })),
    { name: WEBHOOK_QUEUE_NAME, queue: webhooks.queue },
    { name: LEASE_QUEUE_NAME, queue: leases.queue },
    { name: RECONCILER_QUEUE_NAME, queue: rounds.queue },
  ]);
  const webhookDispatcher = startWebhookDispatcher({
    config,
    db,
    logger,
    connection,
    webhooks,
    deliveries: makeWebhookDeliveryCounter(registry),
    sender: makeWebhookSender({ allowPrivateNetworks: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS }),
  });

  const report = makeReportDecisions({ publisher, prefix: config.QUEUE_PREFIX, webhooks, leases, metrics: makeClaimDecisionMetrics(registry), logger });
  const processor = makeClaimProcessor({ store: makeClaimStore(config, db), logger, report, handOver: (partition) => queues.handOver(partition) });
  const workers = claimPartitions(config.CLAIM_PARTITIONS).map((partition) => {
    const worker = new Worker<ClaimJobData>(claimQueueName(partition), processor, {
      connection,
      prefix: queuePrefix(config.QUEUE_PREFIX, partition, connection.isCluster),
      concurrency: 1,
      // A killed worker's job is taken back by another worker within about two lock periods.
      lockDuration: config.CLAIM_LOCK_MS,
      stalledInterval: config.CLAIM_LOCK_MS,
      maxStalledCount: 10,
    });
    worker.on('error', (error) => logger.warn('worker error', { partition, error: error.message }));
    // Another worker may take a job whose lock is lost: this one hands its partition over.
    worker.on('lockRenewalFailed', (jobIds) => jobIds.forEach((jobId) => worker.cancelJob(jobId, 'lock lost')));
    return worker;
  });
  const reconciler = startReconciler({ config, db, queues, webhooks, rounds, connection, logger });
  const leaseExpiry = startLeaseExpiry({ config, db, queues, connection, logger });
  const metricsEndpoint = await startMetricsServer(registry, config.WORKER_METRICS_PORT, logger);
  logger.info('claim workers started', { partitions: config.CLAIM_PARTITIONS, prefix: config.QUEUE_PREFIX, cluster: connection.isCluster });

  return {
    reconciler,
    leaseExpiry,
    metricsPort: metricsEndpoint?.port,
    async close() {
      const metricsClosed = metricsEndpoint?.close();
      await reconciler.stop();
      await leaseExpiry.close();
      // close() lets each worker finish the job it holds; cancelling tells a job draining a busy partition to hand it over.
      const closed = Promise.all([...workers.map((worker) => worker.close()), webhookDispatcher.close()]);
      for (const worker of workers) worker.cancelAllJobs('worker closing');
      await closed;
      await queues.close();
      await webhooks.close();
      await leases.close();
      await rounds.close();
      await db.destroy();
      publisher.disconnect();
      await metricsClosed;
      connection.disconnect();
    },
  };
}
