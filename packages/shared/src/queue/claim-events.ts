import type { ClaimRow } from '../db/repositories/claims.repository';
import type { TaskView } from '../db/repositories/tasks.repository';
import type { WebhookJobData } from './webhook-queue';
import type { RedisClient } from './redis';

/**
 * A claim as the process that decided it knows it right after commit, with its task as that
 * transaction left it: enough for a waiting request to answer without reading PostgreSQL. The one
 * type a decided (or failed) claim travels in, from the deciding transaction to the waiting client.
 */
export interface DecidedClaim {
  claim: ClaimRow;
  task?: TaskView;
  /** the claim's operator, for the live events (the task may show someone else by the end of the transaction) */
  username?: string;
  /** its webhook outbox row, committed with the decision: the deciding process enqueues it after commit (never published) */
  webhook?: WebhookJobData;
}

/**
 * Deciding processes publish the claims they decided; API processes wake the requests waiting on
 * them (`Prefer: wait`) with the decided rows, and feed their live event streams (GET /api/events). A missed message only delays a waiter until its
 * timeout, when it reads the row. Plain (not sharded) pub/sub: a Redis Cluster broadcasts it to
 * every node, so a subscriber connected to any node hears a publish made on any other.
 */
export const claimEventsChannel = (prefix: string): string => `${prefix}:claim-decided`;

export async function publishClaimsDecided(redis: RedisClient, prefix: string, decided: DecidedClaim[]): Promise<void> {
  if (decided.length) await redis.publish(claimEventsChannel(prefix), JSON.stringify(decided));
}

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
