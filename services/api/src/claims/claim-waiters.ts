import { claimEventsChannel, type DecidedClaim, type RedisClient } from '@taskclaim/shared/queue';

const toDate = (value: unknown): Date | null => (value === null || value === undefined ? null : new Date(value as string));

/** A published message back into rows (JSON carries dates as strings); anything malformed is dropped. */
function parseClaimsDecided(message: string): DecidedClaim[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  // The parsed objects are this function's own: their dates are set in place, not copied with them.
  return parsed.filter((entry: DecidedClaim) => {
    if (typeof entry?.claim?.id !== 'number') return false;
    const { claim, task } = entry;
    claim.submitted_at = toDate(claim.submitted_at) as Date;
    claim.completed_at = toDate(claim.completed_at);
    if (task) {
      task.due_at = toDate(task.due_at);
      task.claimed_at = toDate(task.claimed_at);
      task.lease_expires_at = toDate(task.lease_expires_at);
      task.created_at = toDate(task.created_at) as Date;
      task.updated_at = toDate(task.updated_at) as Date;
    }
    return true;
  });
}

export interface ClaimWait {
  /** the decided claim when it is reported; undefined after the timeout, on cancel or on close */
  decided: Promise<DecidedClaim | undefined>;
  cancel(): void;
}

export interface ClaimWaiters {
  waitFor(claimId: number, timeoutMs: number): ClaimWait;
  /** hears every published batch of decisions, in the order they arrive (the live event streams); returns the unsubscribe */
  onDecided(listener: (decided: DecidedClaim[]) => void): () => void;
  /** requests waiting right now */
  count(): number;
  close(): Promise<void>;
}

/**
 * Wakes the waits registered for a claim when its decision is heard. A decision heard before its wait
 * was registered is not kept: the waiter reads the claim after registering (makeWaitForDecision).
 */
export async function makeClaimWaiters(subscriber: RedisClient, prefix: string): Promise<ClaimWaiters> {
  const waiters = new Map<number, Set<(decided: DecidedClaim | undefined) => void>>();
  const listeners = new Set<(decided: DecidedClaim[]) => void>();
  const channel = claimEventsChannel(prefix);
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    const batch = parseClaimsDecided(message);
    for (const listener of listeners) listener(batch);
    for (const decided of batch) {
      for (const wake of waiters.get(decided.claim.id) ?? []) wake(decided);
    }
  });
  await subscriber.subscribe(channel);

  return {
    waitFor(claimId, timeoutMs) {
      let finish!: (decided: DecidedClaim | undefined) => void;
      const decided = new Promise<DecidedClaim | undefined>((resolve) => {
        const set = waiters.get(claimId) ?? new Set();
        waiters.set(claimId, set);
        finish = (value) => {
          if (!set.delete(finish)) return;
          clearTimeout(timer);
          if (set.size === 0) waiters.delete(claimId);
          resolve(value);
        };
        const timer = setTimeout(() => finish(undefined), timeoutMs);
        set.add(finish);
      });
      return { decided, cancel: () => finish(undefined) };
    },
    onDecided(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    count() {
      let total = 0;
      for (const set of waiters.values()) total += set.size;
      return total;
    },
    async close() {
      for (const set of waiters.values()) for (const wake of set) wake(undefined);
      await subscriber.unsubscribe(channel).catch(() => undefined);
    },
  };
}
