import type { Job } from 'bullmq';
import { decideQueuedClaims, type ApplyScope, type ReportDecisions } from '@taskclaim/shared';
import { type Db } from '@taskclaim/shared/db';
import { drainPartition, type ClaimJobData, type DecidedClaim } from '@taskclaim/shared/queue';
import { isInfrastructureError, makeGroupCommit, type Config, type Logger } from '@taskclaim/shared/runtime';
import { failClaim } from './fail-claim';
import * as queuedClaims from './queued-claims.repository';

/** What the processor asks of PostgreSQL. */
export interface ClaimStore {
  /** one decision transaction: the queued claims of the scope, decided */
  decideQueued(scope: ApplyScope): Promise<DecidedClaim[]>;
  /** the claim ends `failed` (undefined when something decided it meanwhile) */
  fail(claimId: number, reason: string): Promise<DecidedClaim | undefined>;
  /** a partition's oldest queued claims, not locked */
  queuedClaimIds(scope: { partition: number; limit: number }): Promise<number[]>;
  /** whether these partitions have any queued claim, without a transaction */
  anyQueued(partitions: number[]): Promise<boolean>;
}

export function makeClaimStore(config: Config, db: Db): ClaimStore {
  const applyDeps = { db, defaultMaxActiveTasks: config.MAX_ACTIVE_TASKS };
  return {
    decideQueued: (scope) => decideQueuedClaims(applyDeps, scope),
    fail: (claimId, reason) => failClaim(db, claimId, reason),
    queuedClaimIds: (scope) => queuedClaims.oldestQueuedClaimIdsOfPartition(db, scope),
    anyQueued: (partitions) => queuedClaims.anyQueuedInPartitions(db, partitions),
  };
}

export interface ClaimProcessorDeps {
  store: ClaimStore;
  logger: Logger;
  report: ReportDecisions;
  /** adds the partition's next job: this one stops while claims may count on it */
  handOver(partition: number): Promise<void>;
  /** how long a job goes on looking at an idle partition (DRAIN_LINGER_MS; tests shorten it) */
  lingerMs?: number;
}

/**
 * How many queued claims of a partition one transaction decides at most: one commit for a burst's
 * backlog instead of one per claim, while locks stay short.
 */
export const CLAIM_BATCH_SIZE = 100;

/**
 * When a round finds nothing in any partition, the next waits this long: the jobs lingering on idle
 * partitions then cost this process one look per interval, whatever their number.
 */
const IDLE_LOOK_MS = 10;

const isFinalAttempt = (job: Job): boolean => job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Processes one job of a partition queue: decides the partition's queued claims, oldest first, one
 * transaction per batch (shared with the other partitions this process drains at the moment), for
 * as long as the drain protocol says (drainPartition: until the partition has been idle for
 * DRAIN_LINGER_MS). A job of a closing worker, or one that lost its lock, adds its successor and
 * stops after the round in hand. Every failure goes through one classifier:
 * - an infrastructure error (PostgreSQL or Redis unreachable, a deadlock) is thrown, so BullMQ
 *   retries the job with backoff; once its attempts are spent, the claims that added the job end
 *   `failed` and a successor takes the partition's other claims;
 * - anything else (a bug, a broken row) must not stall the partition: the batch is decided again one
 *   claim at a time, and a claim that fails alone ends `failed` at once, logged with its error.
 * Rule rejections are outcomes, never errors.
 */
export function makeClaimProcessor(deps: ClaimProcessorDeps) {
  /** One transaction, then (after commit) its report; whether it found claims, per partition (all of them when the batch was full: more may wait). */
  const decideAndReport = async (scope: ApplyScope): Promise<(partition: number) => boolean> => {
    const started = performance.now();
    const decided = await deps.store.decideQueued(scope);
    await deps.report(decided, { durationMs: Math.round(performance.now() - started) });
    const full = 'limit' in scope && decided.length >= scope.limit;
    const found = new Set(decided.map(({ claim }) => claim.partition));
    return (partition) => full || found.has(partition);
  };
  /**
   * The partitions whose jobs this process runs at the same time are drained in one transaction (a
   * group commit, as the API's). Serialization is untouched: each partition is still held by its one
   * job, which waits for the shared transaction; the transaction decides in id order across them.
   * Resolves true when the partition may hold more queued claims (the round found some, or its batch was full).
   * After a round that found nothing, the next first asks without a transaction whether there is
   * anything to decide (one statement instead of BEGIN, a locking SELECT and COMMIT): lingering jobs
   * mostly find nothing.
   */
  let lastRoundIdle = false;
  const drainRound = makeGroupCommit(
    async (partitions: number[]) => {
      if (lastRoundIdle && !(await deps.store.anyQueued(partitions))) return partitions.map(() => false);
      const found = partitions.map(await decideAndReport({ partitions, limit: CLAIM_BATCH_SIZE }));
      lastRoundIdle = !found.includes(true);
      return found;
    },
    { pauseAfter: (found) => (found.includes(true) ? 0 : IDLE_LOOK_MS) },
  );

  const fail = async (claimId: number, error: unknown) => {
    const failed = await deps.store.fail(claimId, messageOf(error));
    if (failed) await deps.report([failed], { durationMs: 0 });
  };

  /** The batch that threw, again one claim at a time: only the claims that cannot be decided alone fail. */
  const isolate = async (scope: { partition: number; limit: number }, log: Logger, error: unknown): Promise<boolean> => {
    log.error('claim batch failed; deciding its claims one at a time', { error: messageOf(error) });
    const claimIds = await deps.store.queuedClaimIds(scope);
    for (const claimId of claimIds) {
      try {
        await decideAndReport({ claimIds: [claimId] });
      } catch (claimError) {
        if (isInfrastructureError(claimError)) throw claimError;
        await fail(claimId, claimError);
      }
    }
    return claimIds.length > 0;
  };

  /** `signal` aborts when the worker closes or loses the job's lock: the job then hands the partition over. */
  return async (job: Job<ClaimJobData>, _token?: string, signal?: AbortSignal): Promise<void> => {
    const scope = { partition: job.data.partition, limit: CLAIM_BATCH_SIZE };
    const log = deps.logger.child({ partition: scope.partition, jobId: job.id, claimIds: job.data.claimIds, attempt: job.attemptsMade + 1 });
    log.info('claim job draining its partition');
    try {
      const look = () =>
        drainRound(scope.partition).catch((error: unknown) => {
          if (isInfrastructureError(error)) throw error;
          return isolate(scope, log, error);
        });
      if ((await drainPartition(look, { signal, lingerMs: deps.lingerMs })) === 'stopped') {
        log.info('claim job hands its partition over', { reason: String(signal?.reason) });
        await deps.handOver(scope.partition);
      }
    } catch (error) {
      if (!isFinalAttempt(job)) {
        log.warn('claim job failed; retrying with backoff', { error: messageOf(error) });
        throw error;
      }
      log.error('claim job failed after its last attempt; its claims end failed', { error: messageOf(error) });
      for (const claimId of job.data.claimIds) await fail(claimId, error).catch(() => undefined);
      // Claims stored during its attempts counted on this job.
      await deps.handOver(scope.partition).catch(() => undefined);
      throw error;
    }
  };
}
