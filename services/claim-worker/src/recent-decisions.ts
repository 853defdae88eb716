/** How many claim ids a worker process remembers having decided (a few MiB at most). */
const REMEMBERED_DECISIONS = 50_000;
/** Long enough for the sibling jobs of a batch to arrive; short enough that a stale entry heals. */
const REMEMBER_FOR_MS = 60_000;

/**
 * The claims this process decided lately. A batch decides claims whose own jobs are still waiting;
 * when such a job arrives here it is answered from memory instead of a transaction. Safe because a
 * decision, once committed, never changes. Entries expire, so even if claim ids were ever reused
 * under a running worker (a database restored to an earlier point), a re-enqueued claim is read
 * from PostgreSQL again within a minute.
 */
export function makeRecentDecisions(options: { capacity?: number; maxAgeMs?: number; now?: () => number } = {}) {
  const { capacity = REMEMBERED_DECISIONS, maxAgeMs = REMEMBER_FOR_MS, now = Date.now } = options;
  const decidedAt = new Map<number, number>();
  return {
    add(claimIds: number[]): void {
      const at = now();
      for (const id of claimIds) {
        decidedAt.delete(id);
        decidedAt.set(id, at);
      }
      for (const oldest of decidedAt.keys()) {
        if (decidedAt.size <= capacity) break;
        decidedAt.delete(oldest);
      }
    },
    has(claimId: number): boolean {
      const at = decidedAt.get(claimId);
      return at !== undefined && now() - at <= maxAgeMs;
    },
  };
}
