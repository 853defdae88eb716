import { Queue, type JobsOptions } from 'bullmq';
import { KEEP_FAILED_JOBS, removeFailedJobs } from './failed-jobs';
import { CLAIM_NEXT_PARTITION, queuePrefix } from './queue-naming';
import { logQueueErrors, type QueueConnection } from './redis';

/**
 * A job wakes its partition (the protocol: drainPartition below). `claimIds` are the claims whose
 * arrival added it (for logs, and to fail them if the job's retries run out).
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
 * The partition-drain protocol, whole (the worker's processor and the API only call it):
 * - a job of a partition queue says "this partition has queued claims". Whichever job runs drains
 *   the partition oldest first, and goes on looking until DRAIN_LINGER_MS passed both since it
 *   started and since its last look that found claims (drainPartition);
 * - so a process that added a job may leave the claims it stores within WAKE_TRUSTED_MS of that add
 *   to that job: a job starts after the add and looks at the partition until at least
 *   DRAIN_LINGER_MS after its start. Such claims add no job (one job per partition and process per
 *   WAKE_TRUSTED_MS, however many group commits);
 * - at most two jobs per partition exist: one running and one waiting. An add while a job waits is
 *   covered by it (deduplicated); one while a job runs stores the next job, which BullMQ adds when
 *   the running one finishes, so an add is always followed by a job that starts after it;
 * - a job told to stop (its worker closes, its lock is lost) or out of attempts adds its successor
 *   (handOver): claims stored meanwhile may have counted on it.
 * Both times are measured by each process on its own monotonic clock, never compared across
 * processes; WAKE_TRUSTED_MS is half of DRAIN_LINGER_MS to leave room for the add's round trip.
 */
export const DRAIN_LINGER_MS = 2_000;
const WAKE_TRUSTED_MS = DRAIN_LINGER_MS / 2;

const DRAIN_DEDUPLICATION = { id: 'drain', keepLastIfActive: true };

export function claimJobOptions(attempts: number): JobsOptions {
  return {
    attempts,
    backoff: { type: 'exponential', delay: 250 },
    deduplication: DRAIN_DEDUPLICATION,
    // Completed jobs are removed so Redis memory stays bounded; PostgreSQL keeps the outcome.
    removeOnComplete: true,
    removeOnFail: KEEP_FAILED_JOBS,
  };
}

/**
 * One job's drain: `look` decides a round of the partition's oldest queued claims and says whether
 * it found any. Ends 'idle' once a look finds nothing DRAIN_LINGER_MS after the job's start and its
 * last finding look, or 'stopped' after the round in hand once `signal` aborts (the caller then
 * hands the partition over).
 */
export async function drainPartition(look: () => Promise<boolean>, options: { signal?: AbortSignal; lingerMs?: number } = {}): Promise<'idle' | 'stopped'> {
  const lingerMs = options.lingerMs ?? DRAIN_LINGER_MS;
  let busySince = performance.now();
  for (;;) {
    const lookedAt = performance.now();
    const found = await look();
    if (options.signal?.aborted) return 'stopped';
    if (found) busySince = performance.now();
    else if (lookedAt - busySince >= lingerMs) return 'idle';
  }
}

export interface ClaimQueues {
  /** the task partitions' queues, then the claim-next queue */
  readonly queues: readonly Queue<ClaimJobData>[];
  /** Wakes the partitions of these stored claims: one job per partition, unless this process added one less than WAKE_TRUSTED_MS ago. */
  enqueue(claims: QueuedClaim[]): Promise<void>;
  /**
   * Adds a job for each partition of these claims whatever this process added lately, even over a
   * failed job kept under the same id (the reconciler: the job it relied on may be lost or failed).
   */
  enqueueAgain(claims: QueuedClaim[]): Promise<void>;
  /** Adds the partition's next job: this one stops while claims may count on it. BullMQ runs it after the running one. */
  handOver(partition: number): Promise<void>;
  /** Global concurrency 1 on every partition: one claim per partition at a time, however many workers run. */
  enforceSerialization(): Promise<void>;
  close(): Promise<void>;
}

/** `prefix` is QUEUE_PREFIX; on a Redis Cluster connection each partition gets its own hash-tagged prefix (queue-naming.ts). */
export function makeClaimQueues(options: QueueConnection & { partitions: number; attempts: number }): ClaimQueues {
  const cluster = options.connection.isCluster;
  const byPartition = new Map(
    claimPartitions(options.partitions).map((partition) => [
      partition,
      new Queue<ClaimJobData>(claimQueueName(partition), { connection: options.connection, prefix: queuePrefix(options.prefix, partition, cluster) }),
    ]),
  );
  const queues = [...byPartition.values()];
  for (const queue of queues) logQueueErrors(queue, options.logger);
  const jobOptions = claimJobOptions(options.attempts);
  /** partition → until when (this process's monotonic clock) its last add covers the claims stored here */
  const trustedUntil = new Map<number, number>();
  const add = (partition: number, claimIds: number[]) =>
    (byPartition.get(partition) as Queue<ClaimJobData>).add(
      'claims',
      { partition, claimIds },
      // jobId = the first claim's id: re-adding the job of a claim whose job still exists is a no-op. A hand-over has no claim of its own.
      claimIds.length ? { ...jobOptions, jobId: claimJobId(claimIds[0]) } : jobOptions,
    );
  const wake = async (claims: QueuedClaim[], trustRecent: boolean) => {
    const claimIdsByPartition = new Map<number, number[]>();
    for (const claim of claims) {
      const partition = partitionOfRequest(claim.taskId, options.partitions);
      const claimIds = claimIdsByPartition.get(partition);
      if (claimIds) claimIds.push(claim.claimId);
      else claimIdsByPartition.set(partition, [claim.claimId]);
    }
    const now = performance.now();
    await Promise.all(
      [...claimIdsByPartition].map(async ([partition, claimIds]) => {
        if (trustRecent && (trustedUntil.get(partition) ?? -Infinity) > now) return;
        if (!trustRecent) await removeFailedJobs(byPartition.get(partition) as Queue<ClaimJobData>, [claimJobId(claimIds[0])]);
        await add(partition, claimIds);
        // From the moment the add was sent: the job it ensures starts later still.
        trustedUntil.set(partition, Math.max(trustedUntil.get(partition) ?? -Infinity, now + WAKE_TRUSTED_MS));
      }),
    );
  };
  return {
    queues,
    enqueue: (claims) => wake(claims, true),
    enqueueAgain: (claims) => wake(claims, false),
    async handOver(partition) {
      await add(partition, []);
    },
    async enforceSerialization() {
      await Promise.all(queues.map((queue) => queue.setGlobalConcurrency(1)));
    },
    async close() {
      await Promise.all(queues.map((queue) => queue.close()));
    },
  };
}
