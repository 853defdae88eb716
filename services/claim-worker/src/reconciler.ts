import { Worker } from 'bullmq';
import { type Db } from '@taskclaim/shared/db';
import {
  partitionOfRequest,
  queuePrefix,
  RECONCILER_QUEUE_NAME,
  webhookJobOf,
  type ClaimQueues,
  type ReconcilerQueue,
  type ReconcilerRound,
  type RedisClient,
  type WebhookQueue,
} from '@taskclaim/shared/queue';
import { type Config, type Logger } from '@taskclaim/shared/runtime';
import * as queuedClaims from './queued-claims.repository';
import * as webhookOutbox from './webhook-outbox.repository';

export interface Reconciler {
  /** one round in this process, now */
  runOnce(): Promise<ReconcilerRound>;
  stop(): Promise<void>;
}

const BATCH = 1_000;
/** Overdue webhook events enqueued per token and round: one token's parked backlog waits in PostgreSQL, not in Redis. */
export const WEBHOOK_EVENTS_PER_TOKEN = 16;
/** claim ids a round names in its log line and its return value */
const NAMED_CLAIMS = 20;

/**
 * PostgreSQL is the source of truth: claim rows still `queued` after RECONCILE_AFTER_MS (the API
 * died before enqueueing, Redis lost its data, a job was dropped) are enqueued again. Job id =
 * claim id makes a re-add of a job that still exists a no-op, so every worker may run this.
 * Each round also restores the partitions' global concurrency, which a Redis flush erases.
 * Webhook outbox rows still pending RECONCILE_AFTER_MS after their attempt was due (a crash between
 * the claim's commit and the enqueue, a lost delayed job) are enqueued again the same way.
 *
 * A round is a job of the `reconciler` queue, so the queue dashboard shows when each ran, what it
 * enqueued again (its return value) and why one failed. Every RECONCILE_INTERVAL_MS each worker
 * process asks for the interval's round, and the job id makes that one round, run by whichever worker
 * takes it. A timer in each process asks rather than a BullMQ job scheduler: a scheduler lives in
 * Redis, and the reconciler is what heals a Redis that lost its data.
 */
export function startReconciler(deps: {
  config: Config;
  db: Db;
  queues: ClaimQueues;
  webhooks: WebhookQueue;
  rounds: ReconcilerQueue;
  connection: RedisClient;
  logger: Logger;
}): Reconciler {
  const runOnce = async (): Promise<ReconcilerRound> => {
    await deps.queues.enforceSerialization();
    const webhooks = await reconcileWebhooks(deps);
    const stale = await queuedClaims.findQueuedClaimsOlderThan(deps.db, deps.config.RECONCILE_AFTER_MS, BATCH);
    const claimIds = stale.slice(0, NAMED_CLAIMS).map((claim) => claim.id);
    if (stale.length === 0) return { claims: 0, claimIds, webhooks };
    // Rows stored under another CLAIM_PARTITIONS move to the partition their task maps to now, where the drain looks.
    await queuedClaims.repartitionQueuedClaims(deps.db, stale, (taskId) => partitionOfRequest(taskId, deps.config.CLAIM_PARTITIONS));
    await deps.queues.enqueueAgain(stale.map((claim) => ({ claimId: claim.id, taskId: claim.task_id })));
    deps.logger.info('reconciler enqueued queued claims again', { count: stale.length, claimIds });
    return { claims: stale.length, claimIds, webhooks };
  };
  const worker = new Worker<Record<string, never>, ReconcilerRound>(RECONCILER_QUEUE_NAME, () => runOnce(), {
    connection: deps.connection,
    prefix: queuePrefix(deps.config.QUEUE_PREFIX, RECONCILER_QUEUE_NAME, deps.connection.isCluster),
    concurrency: 1,
  });
  worker.on('error', (error) => deps.logger.warn('reconciler worker error', { error: error.message }));
  worker.on('failed', (_job, error) => deps.logger.warn('reconciler round failed', { error: error.message }));
  const timer = setInterval(() => {
    deps.rounds.requestRound(deps.config.RECONCILE_INTERVAL_MS).catch((error: Error) => deps.logger.warn('could not ask for a reconciler round', { error: error.message }));
  }, deps.config.RECONCILE_INTERVAL_MS);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await worker.close();
    },
  };
}

/** Job id = webhook id, so re-adding an event whose job still waits or is delayed is a no-op. */
async function reconcileWebhooks(deps: { config: Config; db: Db; webhooks: WebhookQueue; logger: Logger }): Promise<number> {
  const overdue = await webhookOutbox.findOverdueEvents(deps.db, deps.config.RECONCILE_AFTER_MS, BATCH, WEBHOOK_EVENTS_PER_TOKEN);
  if (overdue.length === 0) return 0;
  await deps.webhooks.enqueueAgain(overdue.map(webhookJobOf));
  for (const event of overdue) {
    deps.logger.info('reconciler enqueued an overdue webhook', { claimId: event.claim_id, webhookId: event.webhook_id });
  }
  return overdue.length;
}
