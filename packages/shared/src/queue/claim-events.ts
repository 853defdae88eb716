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
 * them (`Prefer: wait`) with the decided rows, and feed their live event streams (GET /api/events)
 * (services/api/src/claims/claim-waiters.ts). A missed message only delays a waiter until its
 * timeout, when it reads the row. Plain (not sharded) pub/sub: a Redis Cluster broadcasts it to
 * every node, so a subscriber connected to any node hears a publish made on any other.
 */
export const claimEventsChannel = (prefix: string): string => `${prefix}:claim-decided`;

export async function publishClaimsDecided(redis: RedisClient, prefix: string, decided: DecidedClaim[]): Promise<void> {
  if (decided.length) await redis.publish(claimEventsChannel(prefix), JSON.stringify(decided));
}
