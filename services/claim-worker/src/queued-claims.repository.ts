import type { Knex } from 'knex';
import type { ClaimRow } from '@taskclaim/shared/db';

/**
 * The queued claims as only the worker reads and writes them: the processor's unlocked peeks, the
 * reconciler's stale claims, and failing a claim. (The API stores claims and the decision locks and
 * decides them, in the shared claims repository.)
 */

/** Whether any of these partitions has a queued claim: one statement, no transaction, no lock. */
export async function anyQueuedInPartitions(db: Knex, partitions: number[]): Promise<boolean> {
  return (await db('claim_requests').where({ status: 'queued' }).whereIn('partition', partitions).first(db.raw('1 as queued'))) !== undefined;
}

/** The ids of a partition's oldest queued claims, without locking them. */
export async function oldestQueuedClaimIdsOfPartition(db: Knex, scope: { partition: number; limit: number }): Promise<number[]> {
  return (await db<ClaimRow>('claim_requests').where({ status: 'queued', partition: scope.partition }).orderBy('id').limit(scope.limit).pluck('id')).map(Number);
}

/** The claim cannot be applied: it ends `failed` (never for a rule), unless something decided it meanwhile. Returns the failed row. */
export async function markClaimFailed(db: Knex, claimId: number, reason: string): Promise<ClaimRow | undefined> {
  const [row]: ClaimRow[] = await db('claim_requests')
    .where({ id: claimId, status: 'queued' })
    .update({ status: 'failed', code: 'claim_failed', params: { reason: reason.slice(0, 500) }, completed_at: db.fn.now() })
    .returning('*');
  return row;
}

export async function findQueuedClaimsOlderThan(db: Knex, ageMs: number, limit: number): Promise<Pick<ClaimRow, 'id' | 'task_id' | 'partition'>[]> {
  return db<ClaimRow>('claim_requests')
    .select('id', 'task_id', 'partition')
    .where({ status: 'queued' })
    .andWhere('submitted_at', '<', db.raw(`now() - make_interval(secs => ?)`, [ageMs / 1000]))
    .orderBy('id')
    .limit(limit);
}

/** Queued claims whose partition is not the one `partitionOf` maps their task to get that one (the queue layer owns the mapping). */
export async function repartitionQueuedClaims(
  db: Knex,
  claims: Pick<ClaimRow, 'id' | 'task_id' | 'partition'>[],
  partitionOf: (taskId: number | null) => number,
): Promise<void> {
  const moved = claims.filter((claim) => claim.partition !== partitionOf(claim.task_id));
  if (moved.length === 0) return;
  await db.raw(
    `UPDATE claim_requests AS c SET partition = v.partition FROM unnest(?::bigint[], ?::int[]) AS v(id, partition) WHERE c.id = v.id AND c.status = 'queued'`,
    [moved.map((claim) => claim.id), moved.map((claim) => partitionOf(claim.task_id))],
  );
}
