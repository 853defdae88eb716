import type { Knex } from 'knex';
import type { ClaimDecision, ClaimParams } from '../../domain/decide-claim';

export const CLAIM_STATUSES = ['queued', 'processing', 'succeeded', 'rejected', 'failed'] as const;
export type ClaimStatus = (typeof CLAIM_STATUSES)[number];
export const TERMINAL_CLAIM_STATUSES: readonly ClaimStatus[] = ['succeeded', 'rejected', 'failed'];

export interface ClaimRow {
  id: number;
  task_id: number;
  operator_id: number;
  token_id: number | null;
  status: ClaimStatus;
  code: string | null;
  params: ClaimParams;
  already_claimed: boolean;
  notes: string;
  callback_url: string | null;
  request_id: string | null;
  idempotency_key: string | null;
  request_fingerprint: string | null;
  partition: number | null;
  attempts: number;
  submitted_at: Date;
  completed_at: Date | null;
}

export interface NewClaim {
  task_id: number;
  operator_id: number;
  token_id: number;
  notes: string;
  callback_url: string | null;
  request_id: string | null;
  idempotency_key: string | null;
  request_fingerprint: string | null;
  partition: number;
}

export const isTerminal = (status: ClaimStatus): boolean => TERMINAL_CLAIM_STATUSES.includes(status);

/** Namespace of the advisory locks that order the claims of one task (the second key is the task id). */
const ACCEPT_LOCK_NAMESPACE = 7_301;

/**
 * Stores claims in one statement, in the order given; returns each one's row, or undefined where the
 * token already used that Idempotency-Key (a concurrent duplicate). Ids are drawn while holding the
 * advisory locks of the claims' tasks (taken in task order, kept until commit), so the claims of one
 * task become visible in id order: a worker deciding claim N of a task always sees every earlier
 * claim of that task, which is what makes first come, first served exact.
 */
export async function insertClaims(db: Knex, newClaims: NewClaim[]): Promise<(ClaimRow | undefined)[]> {
  const input = newClaims.map((claim, ord) => ({ ord, ...claim }));
  const { rows }: { rows: ClaimRow[] } = await db.raw(
    `WITH input AS (
       SELECT * FROM jsonb_to_recordset(?::jsonb) AS i(ord int, task_id bigint, operator_id bigint, token_id int, notes text,
         callback_url text, request_id text, idempotency_key text, request_fingerprint text, partition int)
     ), accept_locks AS (
       SELECT count(pg_advisory_xact_lock(?, (task_id % 2147483647)::int)) AS n
       FROM (SELECT DISTINCT task_id FROM input ORDER BY task_id) AS tasks
     )
     INSERT INTO claim_requests (task_id, operator_id, token_id, notes, callback_url, request_id, idempotency_key, request_fingerprint, partition)
     SELECT task_id, operator_id, token_id, notes, callback_url, request_id, idempotency_key, request_fingerprint, partition
     FROM input WHERE (SELECT n FROM accept_locks) >= 0 ORDER BY ord
     ON CONFLICT (token_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
     RETURNING *`,
    [JSON.stringify(input), ACCEPT_LOCK_NAMESPACE],
  );
  // RETURNING has no order: give each input the stored row with its fields (identical inputs are interchangeable).
  const sameRequest = (claim: NewClaim, row: ClaimRow) =>
    row.token_id === claim.token_id &&
    row.task_id === claim.task_id &&
    row.operator_id === claim.operator_id &&
    row.notes === claim.notes &&
    row.callback_url === claim.callback_url &&
    row.request_id === claim.request_id &&
    row.idempotency_key === claim.idempotency_key;
  const unmatched = [...rows].sort((a, b) => a.id - b.id);
  return newClaims.map((claim) => {
    const index = unmatched.findIndex((row) => sameRequest(claim, row));
    return index === -1 ? undefined : unmatched.splice(index, 1)[0];
  });
}

export async function insertClaim(db: Knex, claim: NewClaim): Promise<ClaimRow | undefined> {
  return (await insertClaims(db, [claim]))[0];
}

export async function findClaims(db: Knex, claimIds: number[]): Promise<Map<number, ClaimRow>> {
  const rows = await db<ClaimRow>('claim_requests').whereIn('id', claimIds);
  return new Map(rows.map((row) => [row.id, row]));
}

export async function findClaimByIdempotencyKey(db: Knex, tokenId: number, key: string): Promise<ClaimRow | undefined> {
  return db<ClaimRow>('claim_requests').where({ token_id: tokenId, idempotency_key: key }).first();
}

export async function findClaim(db: Knex, claimId: number): Promise<ClaimRow | undefined> {
  return db<ClaimRow>('claim_requests').where({ id: claimId }).first();
}

/**
 * The queued claims of a task accepted up to and including `claimId`, locked in accept order.
 * Applying them all in one transaction keeps first come, first served even when jobs reach the
 * queue out of order (two requests racing between insert and enqueue, or a retried job).
 */
export async function lockQueuedClaimsOfTaskUpTo(trx: Knex.Transaction, taskId: number, claimId: number): Promise<ClaimRow[]> {
  return trx<ClaimRow>('claim_requests')
    .where({ task_id: taskId, status: 'queued' })
    .andWhere('id', '<=', claimId)
    .orderBy('id')
    .forUpdate();
}

/**
 * The oldest queued claims of a partition, at most `limit`, locked — whichever job of the partition
 * runs drains them, so a backlog costs one transaction per batch, not one per claim. `taskId` keeps
 * the job's own task in even if its rows were stored under another partition count. Ascending id
 * order again, so overlapping batches never deadlock, and each task's claims are decided in accept order.
 */
export async function lockOldestQueuedClaimsOfPartition(
  trx: Knex.Transaction,
  scope: { partition: number; taskId: number; limit: number },
): Promise<ClaimRow[]> {
  return trx<ClaimRow>('claim_requests')
    .where({ status: 'queued' })
    .andWhere((q) => q.where({ partition: scope.partition }).orWhere({ task_id: scope.taskId }))
    .orderBy('id')
    .limit(scope.limit)
    .forUpdate();
}

/** Writes the outcomes of one transaction's claims in one statement; completed_at is when each was decided, not when the batch began. */
export async function recordDecisions(trx: Knex.Transaction, decisions: { claimId: number; decision: ClaimDecision }[]): Promise<void> {
  if (decisions.length === 0) return;
  const rows = decisions.map(({ claimId, decision }) => ({
    id: claimId,
    status: decision.outcome,
    code: decision.outcome === 'rejected' ? decision.code : null,
    params: decision.outcome === 'rejected' ? decision.params : {},
    already_claimed: decision.outcome === 'succeeded' && decision.alreadyClaimed,
  }));
  await trx.raw(
    `UPDATE claim_requests AS c
     SET status = v.status, code = v.code, params = v.params, already_claimed = v.already_claimed,
         attempts = c.attempts + 1, completed_at = clock_timestamp()
     FROM jsonb_to_recordset(?::jsonb) AS v(id bigint, status text, code text, params jsonb, already_claimed boolean)
     WHERE c.id = v.id`,
    [JSON.stringify(rows)],
  );
}

/** Retries are spent: the claim ends `failed` (never for a rule), unless something decided it meanwhile. */
export async function markClaimFailed(db: Knex, claimId: number, reason: string): Promise<boolean> {
  const updated = await db('claim_requests')
    .where({ id: claimId, status: 'queued' })
    .update({ status: 'failed', code: 'claim_failed', params: { reason: reason.slice(0, 500) }, completed_at: db.fn.now() });
  return updated > 0;
}

export async function findQueuedClaimsOlderThan(
  db: Knex,
  ageMs: number,
  limit: number,
): Promise<Pick<ClaimRow, 'id' | 'task_id' | 'request_id'>[]> {
  return db<ClaimRow>('claim_requests')
    .select('id', 'task_id', 'request_id')
    .where({ status: 'queued' })
    .andWhere('submitted_at', '<', db.raw(`now() - make_interval(secs => ?)`, [ageMs / 1000]))
    .orderBy('id')
    .limit(limit);
}
