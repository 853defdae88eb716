import type { Knex } from 'knex';
import { claimsRepo, type ClaimRow } from '@taskclaim/shared/db';
import { partitionOf } from '@taskclaim/shared/queue';

/**
 * Submits an `expire` request (SPEC §4 "Leases") for each task whose lease has run out — pending,
 * assigned, lease_expires_at past when the transaction began, so never before — and that has no
 * expiry waiting yet: for the assignee, by no token, queued to the task's partition, where it is
 * decided in order with the task's other requests: the oldest lapsed leases, at most `limit`.
 * Lapsed leases are few: a decided expiry, start or release clears lease_expires_at, so the lease
 * index holds only live leases and those waiting for their expiry.
 *
 * The tasks' accept locks are taken before looking for a waiting expiry, so two sweeps (or a sweep
 * and a job) never both submit one: the second sees the first's committed request. Returns the
 * stored requests, to enqueue after commit.
 */
export async function submitLeaseExpiries(db: Knex, request: { limit: number; partitions: number }): Promise<ClaimRow[]> {
  return db.transaction(async (trx) => {
    const lapsed = () =>
      trx('work_order_tasks as t')
        .where('t.status', 'pending')
        .whereNotNull('t.assigned_operator_id')
        .where('t.lease_expires_at', '<=', trx.fn.now())
        .whereNotExists(trx('claim_requests as c').whereRaw('c.task_id = t.id').where({ 'c.action': 'expire', 'c.status': 'queued' }));
    const candidates = (await lapsed().orderBy('t.lease_expires_at').limit(request.limit).pluck('t.id')).map(Number);
    if (candidates.length === 0) return [];
    await claimsRepo.takeAcceptLocks(trx, candidates);
    const leases: { id: number; assigned_operator_id: number }[] = await lapsed().whereIn('t.id', candidates).orderBy('t.id').select('t.id', 't.assigned_operator_id');
    const inserted = await claimsRepo.insertClaims(
      trx,
      leases.map((task) => ({
        action: 'expire',
        task_id: task.id,
        department_ids: null,
        operator_id: task.assigned_operator_id,
        token_id: null,
        notes: '',
        callback_url: null,
        request_id: null,
        idempotency_key: null,
        request_fingerprint: null,
        partition: partitionOf(task.id, request.partitions),
      })),
    );
    return inserted.flatMap((result) => (result.stored ? [result.row] : []));
  });
}
