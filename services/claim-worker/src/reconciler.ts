import { claimsRepo, type ClaimQueues, type Config, type Db, type Logger } from '@taskclaim/shared';

export interface Reconciler {
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

const BATCH = 1_000;

/**
 * PostgreSQL is the source of truth: claim rows still `queued` after RECONCILE_AFTER_MS (the API
 * died before enqueueing, Redis lost its data, a job was dropped) are enqueued again. Job id =
 * claim id makes a re-add of a job that still exists a no-op, so every worker may run this.
 * Each round also restores the partitions' global concurrency, which a Redis flush erases.
 */
export function startReconciler(deps: { config: Config; db: Db; queues: ClaimQueues; logger: Logger }): Reconciler {
  let running: Promise<number> | undefined;
  const runOnce = async (): Promise<number> => {
    await deps.queues.enforceSerialization();
    const stale = await claimsRepo.findQueuedClaimsOlderThan(deps.db, deps.config.RECONCILE_AFTER_MS, BATCH);
    if (stale.length === 0) return 0;
    await deps.queues.enqueue(stale.map((claim) => ({ claimId: claim.id, taskId: claim.task_id, requestId: claim.request_id })));
    deps.logger.info('reconciler enqueued queued claims again', { count: stale.length, claimIds: stale.slice(0, 20).map((c) => c.id) });
    return stale.length;
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
