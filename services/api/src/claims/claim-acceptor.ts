import type { Knex } from 'knex';
import { claimsRepo, isInfrastructureError, type ClaimRow, type Db, type DecidedClaim } from '@taskclaim/shared';

/** Stored (with its decision when the acceptor decides too), or not: its task does not exist, or its token already used its Idempotency-Key. */
export type StoreResult = { stored: true; row: ClaimRow; decided?: DecidedClaim } | { stored: false };

export interface ClaimAcceptor {
  store(claim: claimsRepo.NewClaim): Promise<StoreResult>;
}

export interface AcceptorHooks {
  /** CLAIM_DISPATCH=inline: decides the stored claims in the transaction that stores them */
  decide?: (trx: Knex.Transaction, stored: ClaimRow[]) => Promise<DecidedClaim[]>;
  /** after commit, must not reject: queue dispatch wakes the claims' partitions, inline reports the decisions */
  afterCommit: (stored: ClaimRow[], decided: DecidedClaim[], durationMs: number) => Promise<void>;
}

const MAX_BATCH = 500;

interface Waiting {
  claim: claimsRepo.NewClaim;
  resolve: (result: StoreResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: while one transaction is in flight, the claims of the requests that arrive meanwhile
 * wait and go in the next one, together. An idle API stores each claim at once; a bursting one pays
 * one transaction per batch — under inline dispatch including the decisions. A batch that fails for
 * anything but the infrastructure is stored again one claim at a time, so a row PostgreSQL refuses
 * fails only its own request.
 *
 * A batch's requests are answered before `afterCommit` runs: they register their waits before any
 * decision can reach this process, and a failed enqueue loses nothing (the rows are stored; the
 * reconciler enqueues them).
 */
export function makeClaimAcceptor(db: Db, hooks: AcceptorHooks): ClaimAcceptor {
  let waiting: Waiting[] = [];
  let flushing = false;

  /** One transaction: store, maybe decide, then answer each request and run afterCommit. */
  const commit = async (batch: Waiting[]): Promise<void> => {
    const started = performance.now();
    const { results, decided } = await db.transaction(async (trx) => {
      const inserted = await claimsRepo.insertClaims(trx, batch.map((entry) => entry.claim));
      const rows = inserted.flatMap((result) => (result.stored ? [result.row] : []));
      return { results: inserted, decided: hooks.decide && rows.length ? await hooks.decide(trx, rows) : [] };
    });
    const byId = new Map(decided.map((d) => [d.claim.id, d]));
    batch.forEach((entry, index) => {
      const result = results[index];
      entry.resolve(result.stored ? { ...result, decided: byId.get(result.row.id) } : result);
    });
    const stored = results.flatMap((result) => (result.stored ? [result.row] : []));
    if (stored.length) void hooks.afterCommit(stored, decided, Math.round(performance.now() - started));
  };

  const commitOneByOne = async (batch: Waiting[]): Promise<void> => {
    for (const [index, entry] of batch.entries()) {
      try {
        await commit([entry]);
      } catch (error) {
        if (!isInfrastructureError(error)) {
          entry.reject(error);
          continue;
        }
        // The store stopped answering: the rest would each wait out their own time limit, one after another.
        for (const rest of batch.slice(index)) rest.reject(error);
        return;
      }
    }
  };

  const flush = async (): Promise<void> => {
    flushing = true;
    while (waiting.length) {
      const batch = waiting.length <= MAX_BATCH ? waiting : waiting.slice(0, MAX_BATCH);
      waiting = waiting.length <= MAX_BATCH ? [] : waiting.slice(MAX_BATCH);
      await commit(batch).catch(async (error: unknown) => {
        if (batch.length > 1 && !isInfrastructureError(error)) return commitOneByOne(batch);
        for (const entry of batch) entry.reject(error);
      });
    }
    flushing = false;
  };

  return {
    store(claim) {
      return new Promise((resolve, reject) => {
        waiting.push({ claim, resolve, reject });
        if (!flushing) void flush();
      });
    },
  };
}
