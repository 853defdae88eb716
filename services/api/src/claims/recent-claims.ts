import type { ClaimRow } from '@taskclaim/shared';

const REMEMBERED = 20_000;
const REMEMBER_FOR_MS = 10_000;

/**
 * The claims this process stored in the last few seconds, as stored. A client's long-poll of the
 * claim it just submitted (POST, then `GET /api/claims/{id}` with `Prefer: wait`) needs nothing of
 * PostgreSQL: who may see the claim never changes, and its decision arrives as an event. Only for
 * waits: a claim's status here is the one it was stored with.
 */
export function makeRecentClaims(now: () => number = Date.now) {
  const stored = new Map<number, { row: ClaimRow; at: number }>();
  return {
    remember(row: ClaimRow): void {
      const at = now();
      stored.set(row.id, { row, at });
      for (const [id, entry] of stored) {
        if (stored.size <= REMEMBERED && at - entry.at <= REMEMBER_FOR_MS) break;
        stored.delete(id);
      }
    },
    /** the claim as this process stored it, if it did so lately */
    stored(claimId: number): ClaimRow | undefined {
      const entry = stored.get(claimId);
      return entry && now() - entry.at <= REMEMBER_FOR_MS ? entry.row : undefined;
    },
  };
}

export type RecentClaims = ReturnType<typeof makeRecentClaims>;
