import { Queue, type JobsOptions } from 'bullmq';
import { CLAIM_NEXT_PARTITION, queuePrefix } from './queue-naming';
import type { RedisClient } from './redis';

/**
 * A job wakes its partition: whichever job runs decides the oldest queued claims of the partition
 * until none is left. `claimIds` are the claims whose arrival added it (for logs, and to fail them if
 * the job's retries run out).
 */
export interface ClaimJobData {
  partition: number;
  claimIds: number[];
}

/** A stored claim to hand to its partition's queue; a claim-next request has no task yet (null). */
export interface QueuedClaim {
  claimId: number;
  taskId: number | null;
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

/** The partition a stored request waits in: its task's, or, for a claim-next request, CLAIM_NEXT_PARTITION. */
export const partitionOfRequest = (taskId: number | null, partitions: number): number =>
  taskId === null ? CLAIM_NEXT_PARTITION : partitionOf(taskId, partitions);

/** Every partition a worker drains: the task partitions, then the claim-next one. */
export const claimPartitions = (partitions: number): number[] => [...Array.from({ length: partitions }, (_, partition) => partition), CLAIM_NEXT_PARTITION];

export const claimQueueName = (partition: number): string => (partition === CLAIM_NEXT_PARTITION ? 'claims-next' : `claims-${partition}`);

/** BullMQ refuses integer-like custom ids (they would clash with its own), hence the prefix. */
export const claimJobId = (claimId: number): string => `claim-${claimId}`;

/**
 * At most two jobs per partition exist: one running and one waiting. An add while a job waits is
 * covered by it (deduplicated); one while a job runs (a claim stored during the job's last look, or
 * the job's hand-over) stores the next job, which BullMQ adds when the running one finishes — so no
 * claim committed after a drain's last look is left without a job.
 */
const DRAIN_DEDUPLICATION = { id: 'drain', keepLastIfActive: true };

/**
 * Most claims need no job at all: while a partition's marker is set, a job has yet to look at the
 * partition (it is waiting, or running and keeps draining until a look finds nothing — the marker is
 * cleared just before that last look), so a claim stored now will be seen and its process adds
 * nothing. One SET instead of a BullMQ script.
 */
export const WAKE_MARKER_MS = 30_000;

export const wakeMarkerKey = (prefix: string, partition: number, cluster: boolean): string =>
  `${queuePrefix(prefix, partition, cluster)}:${claimQueueName(partition)}:wake`;

export function claimJobOptions(attempts: number): JobsOptions {
  return {
    attempts,
    backoff: { type: 'exponential', delay: 250 },
    deduplication: DRAIN_DEDUPLICATION,
    // Finished jobs are removed so Redis memory stays bounded; PostgreSQL keeps the outcome.
    removeOnComplete: true,
    removeOnFail: true,
  };
}

export interface ClaimQueues {
  /** the task partitions' queues, then the claim-next queue */
  readonly queues: readonly Queue<ClaimJobData>[];
  /**
   * Wakes the partitions of these claims, one job per partition — unless the partition's marker is
   * set: a job will look at the partition again and see them. `force` adds regardless (the
   * reconciler: a marker may outlive the process that set it).
   */
  enqueue(claims: QueuedClaim[], options?: { force?: boolean }): Promise<void>;
  /** A job is about to take its last look at these partitions: claims stored from now on need a job of their own. */
  clearWakeMarkers(partitions: number[]): Promise<void>;
  /** Adds the partition's next job whatever its marker says (a job stops while claims may rely on it): BullMQ runs it after the running one. */
  handOver(partition: number): Promise<void>;
  /** Global concurrency 1 on every partition: one claim per partition at a time, however many workers run. */
  enforceSerialization(): Promise<void>;
  close(): Promise<void>;
}

/** `prefix` is QUEUE_PREFIX; on a Redis Cluster connection each partition gets its own hash-tagged prefix (queue-naming.ts). */
export function makeClaimQueues(options: { connection: RedisClient; prefix: string; partitions: number; attempts: number }): ClaimQueues {
  const cluster = options.connection.isCluster;
  const byPartition = new Map(
    claimPartitions(options.partitions).map((partition) => [
      partition,
      new Queue<ClaimJobData>(claimQueueName(partition), { connection: options.connection, prefix: queuePrefix(options.prefix, partition, cluster) }),
    ]),
  );
  const queues = [...byPartition.values()];
  const jobOptions = claimJobOptions(options.attempts);
  const wakeKey = (partition: number) => wakeMarkerKey(options.prefix, partition, cluster);
  return {
    queues,
    async enqueue(claims, { force = false } = {}) {
      const claimIdsByPartition = new Map<number, number[]>();
      for (const claim of claims) {
        const partition = partitionOfRequest(claim.taskId, options.partitions);
        const claimIds = claimIdsByPartition.get(partition);
        if (claimIds) claimIds.push(claim.claimId);
        else claimIdsByPartition.set(partition, [claim.claimId]);
      }
      await Promise.all(
        [...claimIdsByPartition].map(async ([partition, claimIds]) => {
          // The marker expires, so one left by a process that died before adding its job heals by itself.
          if (!force && (await options.connection.set(wakeKey(partition), '1', 'PX', WAKE_MARKER_MS, 'NX')) === null) return;
          // jobId = the first claim's id: re-adding the job of a claim whose job still exists is a no-op.
          await (byPartition.get(partition) as Queue<ClaimJobData>).add('claims', { partition, claimIds }, { ...jobOptions, jobId: claimJobId(claimIds[0]) });
        }),
      );
    },
    async clearWakeMarkers(partitions) {
      await Promise.all(partitions.map((partition) => options.connection.del(wakeKey(partition))));
    },
    async handOver(partition) {
      // No claim of its own: BullMQ picks the job's id.
      await (byPartition.get(partition) as Queue<ClaimJobData>).add('claims', { partition, claimIds: [] }, jobOptions);
    },
    async enforceSerialization() {
      await Promise.all(queues.map((queue) => queue.setGlobalConcurrency(1)));
    },
    async close() {
      await Promise.all(queues.map((queue) => queue.close()));
    },
  };
}
