import { Queue, type JobsOptions } from 'bullmq';
import { queuePrefix } from './queue-naming';
import type { RedisClient } from './redis';

export interface ClaimJobData {
  claimId: number;
  taskId: number;
  requestId: string | null;
}

/** FNV-1a over the decimal id: stable across processes and languages, and spreads consecutive ids. */
export function partitionOf(taskId: number, partitions: number): number {
  let hash = 0x811c9dc5;
  for (const char of String(taskId)) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}

export const claimQueueName = (partition: number): string => `claims-${partition}`;

/** BullMQ refuses integer-like custom ids (they would clash with its own), hence the prefix. */
export const claimJobId = (claimId: number): string => `claim-${claimId}`;

export function claimJobOptions(attempts: number): JobsOptions {
  return {
    attempts,
    backoff: { type: 'exponential', delay: 250 },
    // Finished jobs are removed so Redis memory stays bounded; PostgreSQL keeps the outcome.
    removeOnComplete: true,
    removeOnFail: true,
  };
}

export interface ClaimQueues {
  readonly queues: readonly Queue<ClaimJobData>[];
  enqueue(jobs: ClaimJobData[]): Promise<void>;
  /** Global concurrency 1 on every partition: one claim per partition at a time, however many workers run. */
  enforceSerialization(): Promise<void>;
  close(): Promise<void>;
}

/** `prefix` is QUEUE_PREFIX; on a Redis Cluster connection each partition gets its own hash-tagged prefix (queue-naming.ts). */
export function makeClaimQueues(options: { connection: RedisClient; prefix: string; partitions: number; attempts: number }): ClaimQueues {
  const cluster = options.connection.isCluster;
  const queues = Array.from(
    { length: options.partitions },
    (_, partition) =>
      new Queue<ClaimJobData>(claimQueueName(partition), { connection: options.connection, prefix: queuePrefix(options.prefix, partition, cluster) }),
  );
  const jobOptions = claimJobOptions(options.attempts);
  return {
    queues,
    async enqueue(jobs) {
      const byPartition = new Map<number, ClaimJobData[]>();
      for (const job of jobs) {
        const partition = partitionOf(job.taskId, options.partitions);
        const partitionJobs = byPartition.get(partition);
        if (partitionJobs) partitionJobs.push(job);
        else byPartition.set(partition, [job]);
      }
      // jobId = claim id: adding a claim that is already waiting, delayed or active is a no-op.
      await Promise.all(
        [...byPartition].map(([partition, partitionJobs]) =>
          queues[partition].addBulk(
            partitionJobs.map((data) => ({ name: 'claim', data, opts: { ...jobOptions, jobId: claimJobId(data.claimId) } })),
          ),
        ),
      );
    },
    async enforceSerialization() {
      await Promise.all(queues.map((queue) => queue.setGlobalConcurrency(1)));
    },
    async close() {
      await Promise.all(queues.map((queue) => queue.close()));
    },
  };
}
