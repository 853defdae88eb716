import { claimsRepo, partitionOfRequest, webhookJobOf, webhooksRepo, type ClaimQueues, type Config, type Db, type Logger, type WebhookQueue } from '@taskclaim/shared';

export interface Reconciler {
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

const BATCH = 1_000;
/** Overdue webhook events enqueued per token and round: one token's parked backlog waits in PostgreSQL, not in Redis. */
export const WEBHOOK_EVENTS_PER_TOKEN = 16;

/**
 * PostgreSQL is the source of truth: claim rows still `queued` after RECONCILE_AFTER_MS (the API
 * died before enqueueing, Redis lost its data, a job was dropped) are enqueued again. Job id =
 * claim id makes a re-add of a job that still exists a no-op, so every worker may run this.
 * Each round also restores the partitions' global concurrency, which a Redis flush erases.
 * Webhook outbox rows still pending RECONCILE_AFTER_MS after their attempt was due (a crash between
 * the claim's commit and the enqueue, a lost delayed job) are enqueued again the same way.
 */
export function startReconciler(deps: { config: Config; db: Db; queues: ClaimQueues; webhooks: WebhookQueue; logger: Logger }): Reconciler {
  let running: Promise<number> | undefined;
  const runOnce = async (): Promise<number> => {
    await deps.queues.enforceSerialization();
    const webhooks = await reconcileWebhooks(deps);
    const stale = await claimsRepo.findQueuedClaimsOlderThan(deps.db, deps.config.RECONCILE_AFTER_MS, BATCH);
    if (stale.length === 0) return webhooks;
    // Rows stored under another CLAIM_PARTITIONS move to the partition their task maps to now, where the drain looks.
    await claimsRepo.repartitionQueuedClaims(deps.db, stale, (taskId) => partitionOfRequest(taskId, deps.config.CLAIM_PARTITIONS));
    await deps.queues.enqueueAgain(stale.map((claim) => ({ claimId: claim.id, taskId: claim.task_id })));
    deps.logger.info('reconciler enqueued queued claims again', { count: stale.length, claimIds: stale.slice(0, 20).map((c) => c.id) });
    return stale.length + webhooks;
  };
  const tick = () => {
    if (running) return;
    running = runOnce()
      .catch((error: Error) => {
        deps.logger.warn('reconciler round failed', { error: error.message });
        return 0;
      })
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, deps.config.RECONCILE_INTERVAL_MS);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

/** Job id = webhook id, so re-adding an event whose job still waits or is delayed is a no-op. */
async function reconcileWebhooks(deps: { config: Config; db: Db; webhooks: WebhookQueue; logger: Logger }): Promise<number> {
  const overdue = await webhooksRepo.findOverdueEvents(deps.db, deps.config.RECONCILE_AFTER_MS, BATCH, WEBHOOK_EVENTS_PER_TOKEN);
  if (overdue.length === 0) return 0;
  await deps.webhooks.enqueue(overdue.map(webhookJobOf));
  for (const event of overdue) {
    deps.logger.info('reconciler enqueued an overdue webhook', { claimId: event.claim_id, webhookId: event.webhook_id });
  }
  return overdue.length;
}
