import { makeExpiringMap } from '../expiring-map';
import { type ClaimRow } from '@taskclaim/shared/db';

/**
 * The claims this process stored in the last few seconds, as stored. A client's long-poll of the
 * claim it just submitted (POST, then `GET /api/claims/{id}` with `Prefer: wait`) needs nothing of
 * PostgreSQL: who may see the claim never changes, and its decision arrives as an event. Only for
 * waits: a claim's status here is the one it was stored with.
 */
export function makeRecentClaims(now?: () => number) {
  const stored = makeExpiringMap<number, ClaimRow>({ capacity: 20_000, maxAgeMs: 10_000, now });
  return {
    remember: (row: ClaimRow): void => stored.set(row.id, row),
    /** the claim as this process stored it, if it did so lately */
    stored: (claimId: number): ClaimRow | undefined => stored.get(claimId),
  };
}

export type RecentClaims = ReturnType<typeof makeRecentClaims>;
