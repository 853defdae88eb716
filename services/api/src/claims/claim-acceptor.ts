import { claimsRepo, isInfrastructureError, type ClaimRow, type Db } from '@taskclaim/shared';

export interface ClaimAcceptor {
  /** Stores the claim, unless its task does not exist or its token already used its Idempotency-Key. */
  store(claim: claimsRepo.NewClaim): Promise<claimsRepo.InsertResult>;
}

const MAX_BATCH = 500;

interface Waiting {
  claim: claimsRepo.NewClaim;
  resolve: (result: claimsRepo.InsertResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: while one INSERT is in flight, the claims of the requests that arrive meanwhile wait
 * and go in the next one, together. An idle API stores each claim at once; a bursting one pays one
 * transaction per batch. A batch that fails for anything but the infrastructure is stored again one
 * claim at a time, so a row PostgreSQL refuses fails only its own request.
 *
 * `enqueue` wakes the partitions of a stored batch (queue dispatch; it must not reject). The batch's
 * requests are answered first: they register their waits before any decision can reach this
 * process, and a failed enqueue loses nothing (the rows are stored; the reconciler enqueues them).
 */
export function makeClaimAcceptor(db: Db, enqueue: (rows: ClaimRow[]) => Promise<void>): ClaimAcceptor {
  let waiting: Waiting[] = [];
  let flushing = false;

  const storeOneByOne = async (batch: Waiting[]): Promise<ClaimRow[]> => {
    const stored: ClaimRow[] = [];
    for (const [index, entry] of batch.entries()) {
      try {
        const [result] = await claimsRepo.insertClaims(db, [entry.claim]);
        if (result.stored) stored.push(result.row);
        entry.resolve(result);
      } catch (error) {
        if (!isInfrastructureError(error)) {
          entry.reject(error);
          continue;
        }
        // The store stopped answering: the rest would each wait out their own time limit, one after another.
        for (const rest of batch.slice(index)) rest.reject(error);
        break;
      }
    }
    return stored;
  };

  const storeBatch = async (batch: Waiting[]): Promise<ClaimRow[]> => {
    let results: claimsRepo.InsertResult[];
    try {
      results = await claimsRepo.insertClaims(db, batch.map((entry) => entry.claim));
    } catch (error) {
      if (batch.length > 1 && !isInfrastructureError(error)) return storeOneByOne(batch);
      for (const entry of batch) entry.reject(error);
      return [];
    }
    batch.forEach((entry, index) => entry.resolve(results[index]));
    return results.flatMap((result) => (result.stored ? [result.row] : []));
  };

  const flush = async (): Promise<void> => {
    flushing = true;
    while (waiting.length) {
      const batch = waiting.length <= MAX_BATCH ? waiting : waiting.slice(0, MAX_BATCH);
      waiting = waiting.length <= MAX_BATCH ? [] : waiting.slice(MAX_BATCH);
      const stored = await storeBatch(batch);
      // The next batch's INSERT need not wait for this one's wake-ups.
      if (stored.length) void enqueue(stored);
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
