import type { Knex } from 'knex';
import { isReadablePage } from '../../domain/list-depth';
import { ACTIVE_TASK_STATUSES, type TaskStatus } from '../../domain/vocabulary';
import { ACCEPT_LOCK_NAMESPACE } from './claims.repository';
import type { OperatorRow } from './operators.repository';

export interface TaskRow {
  id: number;
  work_order_id: number;
  work_content: string;
  status: TaskStatus;
  assigned_department_id: number | null;
  assigned_operator_id: number | null;
  /** 0–100, higher is more urgent */
  priority: number;
  due_at: Date | null;
  required_skills: string[];
  /** when its current assignee got it */
  claimed_at: Date | null;
  /** null without a lease, once started, or when unassigned */
  lease_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** A task joined with what its resource and the claim rules show: work order, department, assignee. */
export interface TaskView extends TaskRow {
  order_number: string;
  department_name: string | null;
  /** its department's claim_lease_seconds (null: no lease) */
  department_lease_seconds: number | null;
  /** its lease ran out when the reading transaction began */
  lease_expired: boolean;
  operator_username: string | null;
  operator_first_name: string | null;
  operator_last_name: string | null;
}

function taskViewQuery(db: Knex) {
  return db('work_order_tasks as t')
    .join('work_orders as w', 'w.id', 't.work_order_id')
    .leftJoin('departments as d', 'd.id', 't.assigned_department_id')
    .leftJoin('operators as o', 'o.id', 't.assigned_operator_id')
    .select(
      't.*',
      'w.order_number',
      'd.name as department_name',
      'd.claim_lease_seconds as department_lease_seconds',
      db.raw('coalesce(t.lease_expires_at <= now(), false) AS lease_expired'),
      'o.username as operator_username',
      'o.first_name as operator_first_name',
      'o.last_name as operator_last_name',
    );
}

export async function findTaskView(db: Knex, taskId: number): Promise<TaskView | undefined> {
  return taskViewQuery(db).where('t.id', taskId).first();
}

export async function findTaskViews(db: Knex, taskIds: number[]): Promise<Map<number, TaskView>> {
  const rows: TaskView[] = await taskViewQuery(db).whereIn('t.id', taskIds);
  return new Map(rows.map((row) => [row.id, row]));
}

/** What a decision transaction reads under its locks (lockForDecision). */
export interface DecisionRows {
  /** the tasks, locked */
  tasks: Map<number, TaskView>;
  /** the operators, locked */
  operators: Map<number, OperatorRow>;
  /** each operator's departments, ascending (an operator in none is missing) */
  departmentsOf: Map<number, number[]>;
  /** each operator's active (pending or in progress) tasks; an operator with none is missing */
  activeCounts: Map<number, number>;
}

/**
 * The locks and reads of a decision transaction, four statements sent in one round trip (one simple
 * query, so PostgreSQL runs them in order, each with a snapshot of its own, taken when it starts):
 * 1. the task rows, FOR UPDATE OF t, in id order;
 * 2. the operator rows, in id order, FOR NO KEY UPDATE: two deciders that share operators never
 *    deadlock, and the API's claim inserts (whose operator foreign-key check takes FOR KEY SHARE, in
 *    request order) never wait on a decider, which closed a lock cycle PostgreSQL could only break by
 *    deadlock_timeout;
 * 3. the operators' departments, and 4. their active task counts: read after the operator locks are
 *    held, so they see every decision committed by a transaction that held one of them before
 *    (the capacity check must see every concurrent claim of an operator on other tasks).
 * The ids are numbers, written into the text by knex's own escaping.
 */
export async function lockForDecision(trx: Knex.Transaction, taskIds: number[], operatorIds: number[]): Promise<DecisionRows> {
  for (const id of [...taskIds, ...operatorIds]) if (!Number.isSafeInteger(id)) throw new Error(`not an id: ${id}`);
  const statements = [
    taskViewQuery(trx).whereIn('t.id', taskIds).orderBy('t.id').forUpdate('t'),
    trx('operators').whereIn('id', operatorIds).orderBy('id').forNoKeyUpdate(),
    trx('operator_departments').whereIn('operator_id', operatorIds).orderBy('department_id').select('operator_id', 'department_id'),
    trx('work_order_tasks')
      .select('assigned_operator_id')
      .count({ count: '*' })
      .whereIn('assigned_operator_id', operatorIds)
      .whereIn('status', ACTIVE_TASK_STATUSES)
      .groupBy('assigned_operator_id'),
  ];
  const results: { rows: Record<string, unknown>[] }[] = await trx.raw(statements.map((statement) => statement.toString()).join(';\n'));
  const [taskRows, operatorRows, departmentRows, countRows] = results.map((result) => result.rows);
  const departmentsOf = new Map<number, number[]>();
  for (const row of departmentRows as { operator_id: number; department_id: number }[]) {
    departmentsOf.set(Number(row.operator_id), [...(departmentsOf.get(Number(row.operator_id)) ?? []), Number(row.department_id)]);
  }
  return {
    tasks: new Map((taskRows as unknown as TaskView[]).map((row) => [row.id, row])),
    operators: new Map((operatorRows as unknown as OperatorRow[]).map((row) => [row.id, row])),
    departmentsOf,
    activeCounts: new Map((countRows as { assigned_operator_id: number; count: number }[]).map((row) => [row.assigned_operator_id, Number(row.count)])),
  };
}

/** What one decision transaction leaves a task as: its assignee and status, and whether the assignee got it just now. */
export interface TaskChange {
  operatorId: number | null;
  status: TaskStatus;
  /** (re)assigned by this transaction: claimed_at is now, and a pending task's lease starts */
  assignedNow: boolean;
}

/**
 * Writes the tasks a decision transaction changed, in one statement: the assignee, the status,
 * claimed_at, and the lease (`claim_lease_seconds` of the task's department from now, for a pending
 * task just assigned; none once unassigned or started). Returns each task's new timestamps.
 */
export type TaskTimestamps = Pick<TaskRow, 'updated_at' | 'claimed_at' | 'lease_expires_at'>;

export async function writeTaskChanges(trx: Knex.Transaction, changes: Map<number, TaskChange>): Promise<Map<number, TaskTimestamps>> {
  if (changes.size === 0) return new Map();
  const rows = [...changes].map(([id, change]) => ({ id, operator_id: change.operatorId, status: change.status, assigned_now: change.assignedNow }));
  const { rows: written }: { rows: (TaskTimestamps & { id: number })[] } = await trx.raw(
    `UPDATE work_order_tasks AS t SET
       assigned_operator_id = v.operator_id, status = v.status, updated_at = now(),
       claimed_at = CASE WHEN v.operator_id IS NULL THEN NULL WHEN v.assigned_now THEN now() ELSE t.claimed_at END,
       lease_expires_at = CASE
         WHEN v.operator_id IS NULL OR v.status <> 'pending' THEN NULL
         WHEN v.assigned_now THEN now() + make_interval(secs => (SELECT d.claim_lease_seconds FROM departments d WHERE d.id = t.assigned_department_id))
         ELSE t.lease_expires_at END
     FROM jsonb_to_recordset(?::jsonb) AS v(id bigint, operator_id bigint, status text, assigned_now boolean) WHERE t.id = v.id
     RETURNING t.id, t.updated_at, t.claimed_at, t.lease_expires_at`,
    [JSON.stringify(rows)],
  );
  return new Map(written.map(({ id, ...timestamps }) => [Number(id), timestamps]));
}

/** `departmentIds`: only tasks of those departments (a narrowed token scope); undefined: all of them. */
export async function listActiveTasks(db: Knex, operatorId: number, departmentIds?: readonly number[]): Promise<TaskView[]> {
  const query = taskViewQuery(db)
    .where('t.assigned_operator_id', operatorId)
    .whereIn('t.status', ACTIVE_TASK_STATUSES)
    .orderBy([{ column: 't.created_at' }, { column: 't.id' }]);
  return departmentIds ? query.whereIn('t.assigned_department_id', departmentIds) : query;
}

/** The dispatch order (SPEC §2) of the claimable list and claim-next; `work_order_tasks_dispatch_idx` holds it per department. */
const DISPATCH_ORDER = 'priority DESC, due_at ASC NULLS LAST, created_at, id';

/** Who asks for claimable tasks: the departments to look in, and the operator's skills (a task requiring others is left out). */
export interface ClaimableScope {
  departmentIds: number[];
  skills: readonly string[];
}

/**
 * The ids of claimable tasks (pending, unassigned, of one of these departments, needing no skill the
 * operator lacks) in dispatch order, a window of them. Each department's tasks are read in order off
 * the dispatch index, at most offset + limit of them, and only those are merged: never the whole
 * backlog of a department, however long. `pick` narrows to what a claim-next request may take: not
 * in `passed`, and no claim accepted before request `claimId` waiting for it.
 */
export function claimableIdsQuery(db: Knex, scope: ClaimableScope, window: { offset: number; limit: number }, pick?: { claimId: number; passed: number[] }): Knex.Raw<{ rows: { id: number }[] }> {
  const pickFilter = pick
    ? `AND t.id <> ALL(?::bigint[])
       AND NOT EXISTS (SELECT 1 FROM claim_requests c WHERE c.task_id = t.id AND c.status = 'queued' AND c.id < ?)`
    : '';
  return db.raw(
    `SELECT o.id FROM unnest(?::bigint[]) AS d(id),
       LATERAL (SELECT t.id, t.priority, t.due_at, t.created_at FROM work_order_tasks t
         WHERE t.assigned_department_id = d.id AND t.status = 'pending' AND t.assigned_operator_id IS NULL
           AND t.required_skills <@ ?::text[] ${pickFilter}
         ORDER BY ${DISPATCH_ORDER} LIMIT ?) AS o
     ORDER BY ${DISPATCH_ORDER} LIMIT ? OFFSET ?`,
    [
      scope.departmentIds,
      [...scope.skills],
      ...(pick ? [pick.passed, pick.claimId] : []),
      window.offset + window.limit,
      window.limit,
      window.offset,
    ],
  );
}

async function claimableIds(db: Knex, scope: ClaimableScope, window: { offset: number; limit: number }, pick?: { claimId: number; passed: number[] }): Promise<number[]> {
  if (scope.departmentIds.length === 0) return [];
  const { rows } = await claimableIdsQuery(db, scope, window, pick);
  return rows.map((row) => Number(row.id));
}

/** Whether a claim request of this task accepted before `claimId` is still waiting to be decided. */
async function hasEarlierQueuedClaim(trx: Knex.Transaction, taskId: number, claimId: number): Promise<boolean> {
  return Boolean(await trx('claim_requests').where({ task_id: taskId, status: 'queued' }).where('id', '<', claimId).first('id'));
}

/**
 * The task claim-next request `claimId` gets, locked: the first claimable task in dispatch order (not
 * in `taken`) that no claim accepted before it is waiting for — so it never takes a task over an
 * earlier explicit claim. The candidate is locked with SKIP LOCKED and checked again under the lock
 * (FOR UPDATE reads its latest version): a task another transaction is deciding is passed over, so
 * two claim-next requests never get the same task and this never waits on a row.
 *
 * A claim of the task with a smaller id may still be in an API's insert, not yet visible: ids are
 * drawn under the task's accept lock (insertClaims), so taking that lock waits such an insert out,
 * and the check is made again on what is committed then. Only tried (an insert holds it for
 * milliseconds): a task whose lock is busy is passed over, so no lock is ever awaited here.
 */
export async function pickClaimableTask(
  trx: Knex.Transaction,
  request: ClaimableScope & { claimId: number; taken: number[] },
): Promise<TaskView | undefined> {
  const passed = [...request.taken];
  for (;;) {
    const [candidateId] = await claimableIds(trx, request, { offset: 0, limit: 1 }, { claimId: request.claimId, passed });
    if (candidateId === undefined) return undefined;
    const candidate: TaskView | undefined = await taskViewQuery(trx)
      .where('t.id', candidateId)
      .where('t.status', 'pending')
      .whereNull('t.assigned_operator_id')
      .first()
      .forUpdate('t')
      .skipLocked();
    if (candidate) {
      const { rows }: { rows: { locked: boolean }[] } = await trx.raw(`SELECT pg_try_advisory_xact_lock(?, (?::bigint % 2147483647)::int) AS locked`, [
        ACCEPT_LOCK_NAMESPACE,
        candidate.id,
      ]);
      if (rows[0].locked && !(await hasEarlierQueuedClaim(trx, candidate.id, request.claimId))) return candidate;
    }
    passed.push(candidateId);
  }
}

export async function pageClaimableTasks(db: Knex, scope: ClaimableScope, page: { offset: number; limit: number }): Promise<{ count: number; results: TaskView[] }> {
  if (scope.departmentIds.length === 0) return { count: 0, results: [] };
  const [{ count }] = await db('work_order_tasks')
    .whereIn('assigned_department_id', scope.departmentIds)
    .where('status', 'pending')
    .whereNull('assigned_operator_id')
    .whereRaw('required_skills <@ ?::text[]', [[...scope.skills]])
    .count({ count: '*' });
  // A page past the end or too deep (MAX_LIST_DEPTH) reads nothing.
  const ids = isReadablePage(page, Number(count)) ? await claimableIds(db, scope, page) : [];
  const views = await findTaskViews(db, ids);
  return { count: Number(count), results: ids.flatMap((id) => views.get(id) ?? []) };
}
