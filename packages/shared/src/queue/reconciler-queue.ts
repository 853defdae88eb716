import { Queue, type JobsOptions } from 'bullmq';
import { KEEP_FAILED_JOBS } from './failed-jobs';
import { queuePrefix } from './queue-naming';
import { logQueueErrors, type QueueConnection } from './redis';

export const RECONCILER_QUEUE_NAME = 'reconciler';

/** What one reconciler round enqueued again: its job's return value, which the queue dashboard shows. */
export interface ReconcilerRound {
  /** claims still `queued` RECONCILE_AFTER_MS after they were stored */
  claims: number;
  /** the first 20 of them */
  claimIds: number[];
  /** webhook events still pending RECONCILE_AFTER_MS after their attempt was due */
  webhooks: number;
}

const roundOptions: JobsOptions = {
  // A failed round is not retried: the next interval's round looks again.
  attempts: 1,
  // The last thousand rounds (over an hour at the default interval) for the dashboard; the logs keep the rest.
  removeOnComplete: { count: 1_000 },
  removeOnFail: KEEP_FAILED_JOBS,
};

export interface ReconcilerQueue {
  readonly queue: Queue<Record<string, never>, ReconcilerRound>;
  /** Asks for the current interval's round: every worker asks, and the job id (the interval's number) makes it one round. */
  requestRound(intervalMs: number): Promise<void>;
  close(): Promise<void>;
}

export function makeReconcilerQueue(options: QueueConnection): ReconcilerQueue {
  const queue = new Queue<Record<string, never>, ReconcilerRound>(RECONCILER_QUEUE_NAME, {
    connection: options.connection,
    prefix: queuePrefix(options.prefix, RECONCILER_QUEUE_NAME, options.connection.isCluster),
  });
  logQueueErrors(queue, options.logger);
  return {
    queue,
    async requestRound(intervalMs) {
      await queue.add('round', {}, { ...roundOptions, jobId: `round-${Math.floor(Date.now() / intervalMs)}` });
    },
    close: () => queue.close(),
  };
}
