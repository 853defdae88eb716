import { claimsRepo, type ClaimRow, type Db } from '@taskclaim/shared/db';
import { decideLockedClaims, type ReportDecisions } from '@taskclaim/shared';
import { isTerminal } from '@taskclaim/shared/domain';
import { type ClaimQueues, type DecidedClaim, type RedisClient } from '@taskclaim/shared/queue';
import { type Config, type Logger } from '@taskclaim/shared/runtime';
import { lockQueuedClaimsOfTasks } from '../db/claims.repository';
import { makeClaimAcceptor, type AcceptorHooks } from './claim-acceptor';
import type { RecentClaims } from './recent-claims';

/**
 * How a stored claim reaches its decision, chosen once (CLAIM_DISPATCH) here and nowhere else:
 * queued to its partition's worker, or decided by this API in the transaction that stores it.
 */
export interface ClaimDispatch {
  name: Config['CLAIM_DISPATCH'];
  /** false when a claim stored now could not be dispatched: queue dispatch needs Redis to wake a partition */
  canAccept(): boolean;
  /** Stores a claim (group commit); inline dispatch decides it in the same transaction. Undefined: not stored (its task is gone or its Idempotency-Key was used). */
  store(claim: claimsRepo.NewClaim): Promise<DecidedClaim | undefined>;
  /** A just-stored claim's answer: inline, as its transaction decided it; queued, once decided or when `wait` gives up. */
  answer(stored: DecidedClaim, wait: (claim: ClaimRow) => Promise<DecidedClaim>): Promise<DecidedClaim>;
  /** whether a submission waiting `waitMs` is answered as accepted (202 with the claim as it stands), whatever its status */
  answersAccepted(waitMs: number): boolean;
  /** whether claims are decided as they are stored (their submitter need not wait) */
  decidesAsStored: boolean;
}

export interface ClaimDispatchDeps {
  db: Db;
  redis: RedisClient;
  queues: ClaimQueues;
  report: ReportDecisions;
  recentClaims: RecentClaims;
  readClaim: (id: number) => Promise<ClaimRow | undefined>;
  logger: Logger;
}

export function makeClaimDispatch(config: Pick<Config, 'CLAIM_DISPATCH' | 'MAX_ACTIVE_TASKS'>, deps: ClaimDispatchDeps): ClaimDispatch {
  return config.CLAIM_DISPATCH === 'inline' ? makeInlineDispatch(config.MAX_ACTIVE_TASKS, deps) : makeQueueDispatch(deps);
}

/**
 * Queue dispatch: a committed batch wakes its partitions at once; if Redis refuses, the rows are
 * accepted anyway and the reconciler enqueues them. A claim answered undecided is long-polled next:
 * it is remembered, so that long-poll reads nothing.
 */
function makeQueueDispatch({ db, redis, queues, recentClaims, logger }: ClaimDispatchDeps): ClaimDispatch {
  const hooks: AcceptorHooks = {
    afterCommit: async (rows) => {
      await queues.enqueue(rows.map((row) => ({ claimId: row.id, taskId: row.task_id }))).catch((error: Error) =>
        logger.warn('claims stored but not enqueued; the reconciler will enqueue them', { claimIds: rows.map((row) => row.id), error: error.message }),
      );
    },
  };
  const acceptor = makeClaimAcceptor(db, hooks);
  return {
    name: 'queue',
    canAccept: () => redis.status === 'ready',
    store: acceptor.store,
    async answer(stored, wait) {
      // Just stored: no need to read it again (a decision that raced the insert's answer was heard by the waiters).
      const decided = await wait(stored.claim);
      // A claim answered decided is not kept.
      if (!isTerminal(decided.claim.status)) recentClaims.remember(stored.claim);
      return decided;
    },
    answersAccepted: (waitMs) => waitMs === 0,
    decidesAsStored: false,
  };
}

/**
 * Inline dispatch: the batch's claims (and any queued claims of their tasks) are decided in the
 * storing transaction, and reported after commit.
 */
function makeInlineDispatch(defaultMaxActiveTasks: number, { db, report, readClaim }: ClaimDispatchDeps): ClaimDispatch {
  const acceptor = makeClaimAcceptor(db, {
    decide: async (trx, stored) => {
      const taskIds = [...new Set(stored.flatMap((row) => row.task_id ?? []))];
      const claimNext = stored.flatMap((row) => (row.task_id === null ? row.id : []));
      return decideLockedClaims(trx, { defaultMaxActiveTasks }, await lockQueuedClaimsOfTasks(trx, taskIds, claimNext));
    },
    afterCommit: (_stored, decided, durationMs) => report(decided, { durationMs }),
  });
  return {
    name: 'inline',
    canAccept: () => true,
    store: acceptor.store,
    // Decided in its storing transaction, unless a concurrent request's transaction already had: then read it.
    answer: async (stored) => (isTerminal(stored.claim.status) ? stored : { claim: (await readClaim(stored.claim.id)) as ClaimRow }),
    answersAccepted: () => false,
    decidesAsStored: true,
  };
}
