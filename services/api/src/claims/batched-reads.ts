import { claimsRepo, tasksRepo, tokensRepo, type ClaimRow, type Db, type TaskView } from '@taskclaim/shared';

/**
 * Reads asked for in the same turn of the event loop go to PostgreSQL as one `WHERE key IN (…)`:
 * requests of a burst, and the waiters a worker's batch wakes together, share one statement
 * instead of one each (and one pool connection instead of one each).
 */
export function makeBatchLoader<K, V>(loadMany: (keys: K[]) => Promise<Map<K, V>>): (key: K) => Promise<V | undefined> {
  let pending = new Map<K, { resolve: (value: V | undefined) => void; reject: (error: unknown) => void }[]>();
  const flush = async () => {
    const batch = pending;
    pending = new Map();
    try {
      const values = await loadMany([...batch.keys()]);
      for (const [key, callers] of batch) for (const caller of callers) caller.resolve(values.get(key));
    } catch (error) {
      for (const callers of batch.values()) for (const caller of callers) caller.reject(error);
    }
  };
  return (key) =>
    new Promise((resolve, reject) => {
      if (pending.size === 0) setImmediate(() => void flush());
      const callers = pending.get(key);
      if (callers) callers.push({ resolve, reject });
      else pending.set(key, [{ resolve, reject }]);
    });
}

export interface BatchedReads {
  claim(id: number): Promise<ClaimRow | undefined>;
  taskView(id: number): Promise<TaskView | undefined>;
  /** the active token whose value this is */
  token(value: string): Promise<tokensRepo.ActiveToken | undefined>;
}

export function makeBatchedReads(db: Db): BatchedReads {
  const tokenByHash = makeBatchLoader((hashes: string[]) => tokensRepo.findActiveTokensByHash(db, hashes));
  return {
    claim: makeBatchLoader((ids: number[]) => claimsRepo.findClaims(db, ids)),
    taskView: makeBatchLoader((ids: number[]) => tasksRepo.findTaskViews(db, ids)),
    token: (value) => tokenByHash(tokensRepo.hashToken(value)),
  };
}
