import { claimEventsChannel, type DecidedClaim, type RedisClient } from '@taskclaim/shared/queue';
import { makeExpiringMap } from '../expiring-map';

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
  /** set when the decision had been heard already */
  heard?: DecidedClaim;
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

/** Decisions heard lately, kept for a wait registered just after its decision went by. */
const RECENT_DECISIONS = 20_000;
const RECENT_FOR_MS = 10_000;

/**
 * Wakes the waits registered for a claim when its decision is heard. A wait registered right after its
 * claim was stored can lose the race with the claim's decision (a partition's lingering job decides it
 * while the insert's answer is on its way): decisions heard in the last few seconds are kept, and such a
 * wait is answered from them. Safe because a decision, once committed, never changes. Kept because it
 * spares each wait a read (docs/bench.md changes 13 and 14).
 */
export async function makeClaimWaiters(subscriber: RedisClient, prefix: string, now: () => number = Date.now): Promise<ClaimWaiters> {
  const waiters = new Map<number, Set<(decided: DecidedClaim | undefined) => void>>();
  const recent = makeExpiringMap<number, DecidedClaim>({ capacity: RECENT_DECISIONS, maxAgeMs: RECENT_FOR_MS, now });
  const listeners = new Set<(decided: DecidedClaim[]) => void>();
  const channel = claimEventsChannel(prefix);
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    const batch = parseClaimsDecided(message);
    for (const listener of listeners) listener(batch);
    for (const decided of batch) {
      recent.set(decided.claim.id, decided);
      for (const wake of waiters.get(decided.claim.id) ?? []) wake(decided);
    }
  });
  await subscriber.subscribe(channel);
  let closed = false;

  return {
    waitFor(claimId, timeoutMs) {
      const heard = recent.get(claimId);
      if (heard) return { decided: Promise.resolve(heard), heard, cancel: () => undefined };
      // A wait that starts while the process stops would hear nothing: it is answered at once, as the held ones were.
      if (closed) return { decided: Promise.resolve(undefined), cancel: () => undefined };
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
      closed = true;
      for (const set of waiters.values()) for (const wake of set) wake(undefined);
      await subscriber.unsubscribe(channel).catch(() => undefined);
    },
  };
}
