import type { RedisClient } from './redis';

/**
 * Workers publish the ids of the claims they decided; API processes wake the requests waiting on
 * them (`Prefer: wait`). A missed message only delays a waiter until its timeout, when it reads the row.
 * Plain (not sharded) pub/sub: a Redis Cluster broadcasts it to every node, so a subscriber connected
 * to any node hears a publish made on any other.
 */
export const claimEventsChannel = (prefix: string): string => `${prefix}:claim-decided`;

export async function publishClaimsDecided(redis: RedisClient, prefix: string, claimIds: number[]): Promise<void> {
  if (claimIds.length) await redis.publish(claimEventsChannel(prefix), JSON.stringify(claimIds));
}

export interface ClaimWaiters {
  /** Resolves true when the claim is reported decided, false after `timeoutMs` or on close. */
  waitFor(claimId: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  /** requests waiting right now */
  count(): number;
  close(): Promise<void>;
}

export async function makeClaimWaiters(subscriber: RedisClient, prefix: string): Promise<ClaimWaiters> {
  const waiters = new Map<number, Set<(decided: boolean) => void>>();
  const channel = claimEventsChannel(prefix);
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    let ids: unknown;
    try {
      ids = JSON.parse(message);
    } catch {
      return;
    }
    if (!Array.isArray(ids)) return;
    for (const id of ids) {
      for (const wake of waiters.get(Number(id)) ?? []) wake(true);
    }
  });
  await subscriber.subscribe(channel);

  return {
    waitFor(claimId, timeoutMs, signal) {
      return new Promise((resolve) => {
        const set = waiters.get(claimId) ?? new Set();
        waiters.set(claimId, set);
        const finish = (decided: boolean) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          set.delete(finish);
          if (set.size === 0) waiters.delete(claimId);
          resolve(decided);
        };
        const onAbort = () => finish(false);
        const timer = setTimeout(() => finish(false), timeoutMs);
        signal?.addEventListener('abort', onAbort);
        set.add(finish);
      });
    },
    count() {
      let total = 0;
      for (const set of waiters.values()) total += set.size;
      return total;
    },
    async close() {
      for (const set of waiters.values()) for (const wake of set) wake(false);
      await subscriber.unsubscribe(channel).catch(() => undefined);
    },
  };
}
