import type { Knex } from 'knex';
import type { ClaimDecision, ClaimParams } from '../../domain/decide-claim';
import type { TaskResource } from '../../contracts/tasks';
import type { ClaimAction, ClaimStatus } from '../../domain/vocabulary';
import type { NewNotification } from './notifications.repository';

export interface ClaimRow {
  id: number;
  action: ClaimAction;
  /** null for a claim-next request until it is decided (and when it got no task) */
  task_id: number | null;
  operator_id: number;
  /** reassign only: who held the task just before it was decided */
  previous_operator_id: number | null;
  /** null for a lease expiry (no token submits it) */
  token_id: number | null;
  /** claim-next only: the departments it may pick from (null: all of the operator's) */
  department_ids: number[] | null;
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
  /** the task resource right after this request was decided (its history entry) */
  task_after: TaskResource | null;
}

export interface NewClaim {
  action: ClaimAction;
  task_id: number | null;
  department_ids: number[] | null;
  operator_id: number;
  token_id: number | null;
  notes: string;
  callback_url: string | null;
  request_id: string | null;
  idempotency_key: string | null;
  request_fingerprint: string | null;
  partition: number;
}

/** Namespace of the advisory locks that order the claims of one task (the second key is the task id). */
export const ACCEPT_LOCK_NAMESPACE = 7_301;

/** The accept locks of these tasks, in task order, held until commit (see insertClaims). */
export async function takeAcceptLocks(trx: Knex.Transaction, taskIds: number[]): Promise<void> {
  const sorted = [...new Set(taskIds)].sort((a, b) => a - b);
  await trx.raw(`SELECT pg_advisory_xact_lock(?, (task_id % 2147483647)::int) FROM unnest(?::bigint[]) WITH ORDINALITY AS t(task_id, n) ORDER BY n`, [
    ACCEPT_LOCK_NAMESPACE,
    sorted,
  ]);
}

/** What became of one claim given to insertClaims: stored, or not (its task does not exist, or its Idempotency-Key was used). */
export type InsertResult = { stored: true; row: ClaimRow } | { stored: false };

/**
 * Stores claims in the given transaction, in the order given, each only if its task exists and its
 * token has not used its Idempotency-Key yet. The claims' ids are drawn while the transaction holds
 * the advisory locks of their tasks (in task order, until commit), so the claims of one task become
 * visible in id order: a worker deciding claim N of a task always sees every earlier claim of that
 * task, which is what makes first come, first served exact across API processes. Each input gets
 * its id before the insert, so the stored rows are matched to their inputs by id. A claim-next
 * request has no task to lock or to check.
 */
export async function insertClaims(trx: Knex.Transaction, newClaims: NewClaim[]): Promise<InsertResult[]> {
  await takeAcceptLocks(trx, newClaims.flatMap((claim) => claim.task_id ?? []));
  const { rows: ids }: { rows: { id: number }[] } = await trx.raw(`SELECT nextval('claim_requests_id_seq') AS id FROM generate_series(1, ?)`, [newClaims.length]);
  const input = newClaims.map((claim, index) => ({ id: ids[index].id, ...claim }));
  const { rows }: { rows: ClaimRow[] } = await trx.raw(
    `INSERT INTO claim_requests (id, action, task_id, department_ids, operator_id, token_id, notes, callback_url, request_id, idempotency_key, request_fingerprint, partition)
     SELECT i.id, i.action, i.task_id, i.department_ids, i.operator_id, i.token_id, i.notes, i.callback_url, i.request_id, i.idempotency_key, i.request_fingerprint, i.partition
     FROM jsonb_to_recordset(?::jsonb) AS i(id bigint, action text, task_id bigint, department_ids bigint[], operator_id bigint, token_id int, notes text, callback_url text,
       request_id text, idempotency_key text, request_fingerprint text, partition int)
     WHERE i.task_id IS NULL OR EXISTS (SELECT 1 FROM work_order_tasks t WHERE t.id = i.task_id)
     ORDER BY i.id
     ON CONFLICT (token_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
     RETURNING *`,
    [JSON.stringify(input)],
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  return input.map(({ id }) => {
    const row = byId.get(id);
    return row ? { stored: true, row } : { stored: false };
  });
}

export async function findClaims(db: Knex, claimIds: number[]): Promise<Map<number, ClaimRow>> {
  const rows = await db<ClaimRow>('claim_requests').whereIn('id', claimIds);
  return new Map(rows.map((row) => [row.id, row]));
}

/**
 * The oldest queued claims of some partitions, at most `limit`, locked — whichever jobs of the
 * partitions run drain them, so a backlog costs one transaction per batch, not one per claim.
 * Ascending id order, so overlapping batches never deadlock, and each task's claims are decided in
 * accept order.
 */
export async function lockOldestQueuedClaimsOfPartitions(trx: Knex.Transaction, scope: { partitions: number[]; limit: number }): Promise<ClaimRow[]> {
  return trx<ClaimRow>('claim_requests').where({ status: 'queued' }).whereIn('partition', scope.partitions).orderBy('id').limit(scope.limit).forUpdate();
}

/** The given queued claims, locked in id order (a batch decided again one claim at a time). */
export async function lockQueuedClaims(trx: Knex.Transaction, claimIds: number[]): Promise<ClaimRow[]> {
  return trx<ClaimRow>('claim_requests').whereIn('id', claimIds).where({ status: 'queued' }).orderBy('id').forUpdate();
}

/** One claim's outcome; `taskId`, the task a claim-next request got; `previousOperatorId`, who held a reassigned task; `taskAfter`, its task as it left it. */
export interface Decision {
  claimId: number;
  decision: ClaimDecision;
  taskId?: number;
  previousOperatorId?: number | null;
  taskAfter?: TaskResource;
}

/**
 * Writes the outcomes of one transaction's claims and the notifications they send, in one statement
 * (the notifications' INSERT is a data-modifying WITH; their ids follow the order given);
 * completed_at is when each claim was decided, not when the batch began. Returns the decided rows, by id.
 */
export async function recordDecisions(trx: Knex.Transaction, decisions: Decision[], newNotifications: NewNotification[]): Promise<Map<number, ClaimRow>> {
  if (decisions.length === 0) return new Map();
  const notified = newNotifications.map((n, index) => ({
    n: index,
    operator_id: n.operatorId,
    type: n.type,
    params: n.params,
    task_id: n.taskId,
    work_order_id: n.workOrderId,
    claim_id: n.claimId,
  }));
  const rows = decisions.map(({ claimId, decision, taskId, previousOperatorId, taskAfter }) => ({
    id: claimId,
    task_id: taskId ?? null,
    previous_operator_id: previousOperatorId ?? null,
    task_after: taskAfter ?? null,
    status: decision.outcome,
    code: decision.outcome === 'rejected' ? decision.code : null,
    params: decision.outcome === 'rejected' ? decision.params : {},
    already_claimed: decision.outcome === 'succeeded' && decision.alreadyClaimed,
  }));
  const { rows: decided }: { rows: ClaimRow[] } = await trx.raw(
    `WITH notified AS (
       INSERT INTO notifications (operator_id, type, params, task_id, work_order_id, claim_id)
       SELECT n.operator_id, n.type, n.params, n.task_id, n.work_order_id, n.claim_id
       FROM jsonb_to_recordset(?::jsonb) AS n(n int, operator_id bigint, type text, params jsonb, task_id bigint, work_order_id bigint, claim_id bigint)
       ORDER BY n.n
     )
     UPDATE claim_requests AS c
     SET status = v.status, code = v.code, params = v.params, already_claimed = v.already_claimed, task_after = v.task_after,
         task_id = coalesce(v.task_id, c.task_id), previous_operator_id = v.previous_operator_id, attempts = c.attempts + 1, completed_at = clock_timestamp()
     FROM jsonb_to_recordset(?::jsonb) AS v(id bigint, task_id bigint, previous_operator_id bigint, status text, code text, params jsonb, already_claimed boolean, task_after jsonb)
     WHERE c.id = v.id
     RETURNING c.*`,
    [JSON.stringify(notified), JSON.stringify(rows)],
  );
  return new Map(decided.map((row) => [row.id, row]));
}
