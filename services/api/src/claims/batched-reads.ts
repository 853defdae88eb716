import { claimsRepo, tasksRepo, type ClaimRow, type Db, type TaskView } from '@taskclaim/shared';

/**
 * Reads asked for in the same turn of the event loop go to PostgreSQL as one `WHERE id IN (…)`:
 * when a worker decides a batch of claims, the requests waiting on them wake together, and this
 * keeps their reads to a statement or two instead of one per waiter.
 */
export function makeBatchLoader<V>(loadMany: (ids: number[]) => Promise<Map<number, V>>): (id: number) => Promise<V | undefined> {
  let pending = new Map<number, { resolve: (value: V | undefined) => void; reject: (error: unknown) => void }[]>();
  const flush = async () => {
    const batch = pending;
    pending = new Map();
    try {
      const values = await loadMany([...batch.keys()]);
      for (const [id, callers] of batch) for (const caller of callers) caller.resolve(values.get(id));
    } catch (error) {
      for (const callers of batch.values()) for (const caller of callers) caller.reject(error);
    }
  };
  return (id) =>
    new Promise((resolve, reject) => {
      if (pending.size === 0) setImmediate(() => void flush());
      pending.set(id, [...(pending.get(id) ?? []), { resolve, reject }]);
    });
}

export interface BatchedReads {
  claim(id: number): Promise<ClaimRow | undefined>;
  taskView(id: number): Promise<TaskView | undefined>;
}

export function makeBatchedReads(db: Db): BatchedReads {
  return {
    claim: makeBatchLoader((ids) => claimsRepo.findClaims(db, ids)),
    taskView: makeBatchLoader((ids) => tasksRepo.findTaskViews(db, ids)),
  };
}
