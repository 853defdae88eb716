import type { Knex } from 'knex';
import { claimsRepo, type ClaimRow, type Db } from '@taskclaim/shared/db';
import { isInfrastructureError, makeGroupCommit } from '@taskclaim/shared/runtime';
import { type DecidedClaim } from '@taskclaim/shared/queue';

export interface ClaimAcceptor {
  /**
   * The claim stored, as decided when the acceptor decides too (else as stored); undefined when it was
   * not stored: its task does not exist, or its token already used its Idempotency-Key.
   */
  store(claim: claimsRepo.NewClaim): Promise<DecidedClaim | undefined>;
}

export interface AcceptorHooks {
  /** CLAIM_DISPATCH=inline: decides the stored claims in the transaction that stores them */
  decide?: (trx: Knex.Transaction, stored: ClaimRow[]) => Promise<DecidedClaim[]>;
  /** after commit, must not reject: queue dispatch wakes the claims' partitions, inline reports the decisions */
  afterCommit: (stored: ClaimRow[], decided: DecidedClaim[], durationMs: number) => Promise<void>;
}

const MAX_BATCH = 500;

/** A claim's fate in a batch: stored (as decided, if decided), not stored (undefined), or an error of its own. */
type Stored = DecidedClaim | undefined | { error: unknown };

/**
 * Group commit (makeGroupCommit): while one transaction is in flight, the claims of the requests that
 * arrive meanwhile wait and go in the next one, together. An idle API stores each claim at once; a
 * bursting one pays one transaction per batch — under inline dispatch including the decisions. A batch
 * that fails for anything but the infrastructure is stored again one claim at a time, so a row
 * PostgreSQL refuses fails only its own request.
 *
 * `afterCommit` runs once the batch's requests are answered, and a failed enqueue loses nothing (the
 * rows are stored; the reconciler enqueues them). A partition's lingering job may decide a claim
 * before its request registers its wait: the waiters keep the decisions they heard lately for it
 * (makeClaimWaiters).
 */
export function makeClaimAcceptor(db: Db, hooks: AcceptorHooks): ClaimAcceptor {
  /** One transaction: store, maybe decide. */
  const commit = async (claims: claimsRepo.NewClaim[], afterwards: (() => void)[]): Promise<Stored[]> => {
    const started = performance.now();
    const { inserted, decided } = await db.transaction(async (trx) => {
      const results = await claimsRepo.insertClaims(trx, claims);
      const rows = results.flatMap((result) => (result.stored ? [result.row] : []));
      return { inserted: results, decided: hooks.decide && rows.length ? await hooks.decide(trx, rows) : [] };
    });
    const byId = new Map(decided.map((d) => [d.claim.id, d]));
    const stored = inserted.flatMap((result) => (result.stored ? [result.row] : []));
    const durationMs = Math.round(performance.now() - started);
    if (stored.length) afterwards.push(() => void hooks.afterCommit(stored, decided, durationMs));
    return inserted.map((result) => (result.stored ? (byId.get(result.row.id) ?? { claim: result.row }) : undefined));
  };

  const commitOneByOne = async (claims: claimsRepo.NewClaim[], afterwards: (() => void)[]): Promise<Stored[]> => {
    const fates: Stored[] = [];
    for (const [index, claim] of claims.entries()) {
      try {
        fates.push(...(await commit([claim], afterwards)));
      } catch (error) {
        if (!isInfrastructureError(error)) {
          fates.push({ error });
          continue;
        }
        // The store stopped answering: the rest would each wait out their own time limit, one after another.
        return [...fates, ...claims.slice(index).map(() => ({ error }))];
      }
    }
    return fates;
  };

  const storeBatch = async (claims: claimsRepo.NewClaim[]): Promise<Stored[]> => {
    const afterwards: (() => void)[] = [];
    try {
      return await commit(claims, afterwards).catch((error: unknown) => {
        if (claims.length === 1 || isInfrastructureError(error)) throw error;
        return commitOneByOne(claims, afterwards);
      });
    } finally {
      // A tick scheduled now runs once the microtasks have: the answers, and the waits they register.
      process.nextTick(() => afterwards.forEach((run) => run()));
    }
  };

  const storeInBatches = makeGroupCommit(storeBatch, { maxBatch: MAX_BATCH });
  return {
    async store(claim) {
      const fate = await storeInBatches(claim);
      if (fate && 'error' in fate) throw fate.error;
      return fate;
    },
  };
}
