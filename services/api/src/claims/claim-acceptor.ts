import { claimsRepo, type ClaimRow, type Db } from '@taskclaim/shared';

export interface ClaimAcceptor {
  /** Resolves with the stored claim, or undefined when the token already used its Idempotency-Key. */
  store(claim: claimsRepo.NewClaim): Promise<ClaimRow | undefined>;
}

const MAX_BATCH = 500;

/**
 * Group commit: while one INSERT is in flight, the claims of the requests that arrive meanwhile wait
 * and go in the next one, together. An idle API stores each claim at once; a bursting one pays one
 * statement and one commit per batch. `afterStore` runs on each batch before its requests resume
 * (the queue mode enqueues the batch's jobs there, in one addBulk per partition).
 */
export function makeClaimAcceptor(db: Db, afterStore: (rows: ClaimRow[]) => Promise<void>): ClaimAcceptor {
  let waiting: { claim: claimsRepo.NewClaim; resolve: (row: ClaimRow | undefined) => void; reject: (error: unknown) => void }[] = [];
  let flushing = false;

  const flush = async (): Promise<void> => {
    flushing = true;
    while (waiting.length) {
      const batch = waiting.slice(0, MAX_BATCH);
      waiting = waiting.slice(batch.length);
      try {
        const rows = await claimsRepo.insertClaims(db, batch.map((entry) => entry.claim));
        await afterStore(rows.filter((row): row is ClaimRow => row !== undefined));
        batch.forEach((entry, index) => entry.resolve(rows[index]));
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
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
