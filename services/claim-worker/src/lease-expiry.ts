import { Worker } from 'bullmq';
import { LEASE_QUEUE_NAME, queuePrefix, type ClaimQueues, type LeaseJobData, type RedisClient } from '@taskclaim/shared/queue';
import { type Config, type Logger } from '@taskclaim/shared/runtime';
import { type Db } from '@taskclaim/shared/db';
import { submitLeaseExpiries } from './submit-lease-expiries';

export interface LeaseExpiry {
  /** one sweep now (or, while one runs, one more right after it); resolves with how many expiries it submitted */
  sweep(): Promise<number>;
  close(): Promise<void>;
}

/** Expiries submitted per transaction; a sweep goes on while its batches are full. */
const SWEEP_BATCH = 500;

/**
 * Claim leases (SPEC §4 "Leases"): a lapsed lease becomes an `expire` request, queued to its task's
 * partition and decided there in order with the task's other requests. PostgreSQL's
 * lease_expires_at is the truth; two things look at it:
 * - each lease's delayed BullMQ job, run when the lease ends, which asks for a sweep — so a lease is
 *   expired within moments of its end, and many leases ending together cost one sweep;
 * - a sweep every LEASE_SWEEP_INTERVAL_MS, the backstop for a job lost with Redis's data or never
 *   added (the API or worker died between commit and scheduling it), as the reconciler backs up the
 *   claim queues.
 * Every worker process runs both; the sweep's accept locks keep two of them from submitting one
 * expiry twice.
 */
export function startLeaseExpiry(deps: { config: Config; db: Db; queues: ClaimQueues; connection: RedisClient; logger: Logger }): LeaseExpiry {
  const submitAll = async (): Promise<number> => {
    let submitted = 0;
    for (;;) {
      const expiries = await submitLeaseExpiries(deps.db, { limit: SWEEP_BATCH, partitions: deps.config.CLAIM_PARTITIONS });
      for (const claim of expiries) deps.logger.info('lease ran out; expiry submitted', { claimId: claim.id, taskId: claim.task_id, operatorId: claim.operator_id });
      // Not enqueued (Redis refused): the reconciler enqueues the stored requests.
      await deps.queues.enqueue(expiries.map((claim) => ({ claimId: claim.id, taskId: claim.task_id }))).catch((error: Error) =>
        deps.logger.warn('lease expiries stored but not enqueued; the reconciler will enqueue them', { claimIds: expiries.map((c) => c.id), error: error.message }),
      );
      submitted += expiries.length;
      if (expiries.length < SWEEP_BATCH) return submitted;
    }
  };

  let running: Promise<number> | undefined;
  let again: Promise<number> | undefined;
  const sweep = (): Promise<number> => {
    if (!running) {
      running = submitAll().finally(() => (running = undefined));
      return running;
    }
    // A lease that ended after the running sweep looked needs one more look.
    again ??= running.catch(() => 0).then(() => {
      again = undefined;
      return sweep();
    });
    return again;
  };

  const worker = new Worker<LeaseJobData>(LEASE_QUEUE_NAME, () => sweep().then(() => undefined), {
    connection: deps.connection,
    prefix: queuePrefix(deps.config.QUEUE_PREFIX, LEASE_QUEUE_NAME, deps.connection.isCluster),
    concurrency: 8,
  });
  worker.on('error', (error) => deps.logger.warn('lease worker error', { error: error.message }));
  const timer = setInterval(() => {
    sweep().catch((error: Error) => deps.logger.warn('lease sweep failed; trying again at the next one', { error: error.message }));
  }, deps.config.LEASE_SWEEP_INTERVAL_MS);
  timer.unref();

  return {
    sweep,
    async close() {
      clearInterval(timer);
      await worker.close();
      await Promise.allSettled([running, again]);
    },
  };
}
