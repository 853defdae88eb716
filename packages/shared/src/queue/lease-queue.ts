import { Queue, type JobsOptions } from 'bullmq';
import { KEEP_FAILED_JOBS } from './failed-jobs';
import { queuePrefix } from './queue-naming';
import { logQueueErrors, type QueueConnection } from './redis';

export const LEASE_QUEUE_NAME = 'leases';

/** A delayed job per lease: when it runs, the lease of `taskId` has run out, and a sweep submits its expiry. PostgreSQL's lease_expires_at decides. */
export interface LeaseJobData {
  taskId: number;
}

/** A lease to watch: the task and when it runs out. */
export interface Lease {
  taskId: number;
  expiresAt: Date;
}

/** A job run a moment before PostgreSQL's clock reaches the lease's end would find nothing to expire (the sweep would, later). */
const CLOCK_SLACK_MS = 100;

const leaseJobOptions: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: true,
  removeOnFail: KEEP_FAILED_JOBS,
};

export interface LeaseQueue {
  readonly queue: Queue<LeaseJobData>;
  /** A job per lease, run when it runs out. Best effort: the lease sweep finds what a lost job misses. */
  schedule(leases: Lease[]): Promise<void>;
  close(): Promise<void>;
}

export function makeLeaseQueue(options: QueueConnection): LeaseQueue {
  const queue = new Queue<LeaseJobData>(LEASE_QUEUE_NAME, {
    connection: options.connection,
    prefix: queuePrefix(options.prefix, LEASE_QUEUE_NAME, options.connection.isCluster),
  });
  logQueueErrors(queue, options.logger);
  return {
    queue,
    async schedule(leases) {
      if (leases.length === 0) return;
      const now = Date.now();
      await queue.addBulk(
        leases.map(({ taskId, expiresAt }) => ({
          name: 'lease',
          data: { taskId },
          // one job per lease: scheduling the same lease again is a no-op
          opts: { ...leaseJobOptions, jobId: `lease-${taskId}-${expiresAt.getTime()}`, delay: Math.max(0, expiresAt.getTime() - now + CLOCK_SLACK_MS) },
        })),
      );
    },
    close: () => queue.close(),
  };
}
