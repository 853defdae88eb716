/** How many claim ids a worker process remembers having decided (a few hundred KiB). */
const REMEMBERED_DECISIONS = 50_000;

/**
 * The claims this process decided lately. A batch decides claims whose own jobs are still waiting;
 * when such a job arrives here it is answered from memory instead of a transaction. Safe because a
 * decision, once committed, never changes.
 */
export function makeRecentDecisions(capacity = REMEMBERED_DECISIONS) {
  const ids = new Set<number>();
  return {
    add(claimIds: number[]): void {
      for (const id of claimIds) ids.add(id);
      for (const oldest of ids) {
        if (ids.size <= capacity) break;
        ids.delete(oldest);
      }
    },
    has: (claimId: number): boolean => ids.has(claimId),
  };
}
