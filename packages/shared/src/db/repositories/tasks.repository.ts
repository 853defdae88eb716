import type { Knex } from 'knex';
import { ACTIVE_TASK_STATUSES, type TaskStatus } from '../../domain/decide-claim';
import { ACCEPT_LOCK_NAMESPACE } from './claims.repository';

export interface TaskRow {
  id: number;
  work_order_id: number;
  work_content: string;
  status: TaskStatus;
  assigned_department_id: number | null;
  assigned_operator_id: number | null;
  created_at: Date;
  updated_at: Date;
}

/** A task joined with what its resource and the claim rules show: work order, department, assignee. */
export interface TaskView extends TaskRow {
  order_number: string;
  department_name: string | null;
  operator_username: string | null;
  operator_first_name: string | null;
  operator_last_name: string | null;
}

export interface TaskUpsert {
  id: number;
  work_order: { id: number; order_number: string };
  work_content: string;
  status: TaskStatus;
  assigned_department_id: number | null;
  assigned_operator_id?: number | null;
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

/** Locks the task rows only (FOR UPDATE OF t), in id order. */
export async function lockTaskViews(trx: Knex.Transaction, taskIds: number[]): Promise<Map<number, TaskView>> {
  const rows: TaskView[] = await taskViewQuery(trx).whereIn('t.id', taskIds).orderBy('t.id').forUpdate('t');
  return new Map(rows.map((row) => [row.id, row]));
}

/** task id → its new assignee (null: none), in one statement; returns each task's new updated_at. */
export async function assignOperators(trx: Knex.Transaction, assignments: Map<number, number | null>): Promise<Map<number, Date>> {
  if (assignments.size === 0) return new Map();
  const { rows }: { rows: { id: number; updated_at: Date }[] } = await trx.raw(
    `UPDATE work_order_tasks AS t SET assigned_operator_id = v.operator_id, updated_at = now()
     FROM unnest(?::bigint[], ?::bigint[]) AS v(id, operator_id) WHERE t.id = v.id
     RETURNING t.id, t.updated_at`,
    // pg sends a null element as SQL NULL; knex's binding types know no null array elements
    [[...assignments.keys()], [...assignments.values()] as number[]],
  );
  return new Map(rows.map((row) => [row.id, row.updated_at]));
}

export async function countActiveTasks(db: Knex, operatorIds: number[]): Promise<Map<number, number>> {
  if (operatorIds.length === 0) return new Map();
  const rows: { assigned_operator_id: number; count: number }[] = await db('work_order_tasks')
    .select('assigned_operator_id')
    .count({ count: '*' })
    .whereIn('assigned_operator_id', operatorIds)
    .whereIn('status', ACTIVE_TASK_STATUSES)
    .groupBy('assigned_operator_id');
  return new Map(rows.map((row) => [row.assigned_operator_id, Number(row.count)]));
}

/** `departmentIds`: only tasks of those departments (a narrowed token scope); undefined: all of them. */
export async function listActiveTasks(db: Knex, operatorId: number, departmentIds?: readonly number[]): Promise<TaskView[]> {
  const query = taskViewQuery(db)
    .where('t.assigned_operator_id', operatorId)
    .whereIn('t.status', ACTIVE_TASK_STATUSES)
    .orderBy([{ column: 't.created_at' }, { column: 't.id' }]);
  return departmentIds ? query.whereIn('t.assigned_department_id', departmentIds) : query;
}

/** Claimable (SPEC §4): pending and unassigned, of one of these departments; `t` is the task. */
const whereClaimable = (query: Knex.QueryBuilder, departmentIds: number[]) =>
  query.whereIn('t.assigned_department_id', departmentIds).where('t.status', 'pending').whereNull('t.assigned_operator_id');

const claimableQuery = (db: Knex, departmentIds: number[]) => whereClaimable(db('work_order_tasks as t'), departmentIds);

/** Whether a claim request of this task accepted before `claimId` is still waiting to be decided. */
async function hasEarlierQueuedClaim(trx: Knex.Transaction, taskId: number, claimId: number): Promise<boolean> {
  return Boolean(await trx('claim_requests').where({ task_id: taskId, status: 'queued' }).where('id', '<', claimId).first('id'));
}

/**
 * The task claim-next request `claimId` gets, locked: the oldest claimable task of `departmentIds`
 * (not in `taken`) that no claim accepted before it is waiting for — so it never takes a task over an
 * earlier explicit claim. SKIP LOCKED passes over tasks another transaction is deciding or picking,
 * so two claim-next requests never get the same task and this never waits on a row.
 *
 * A claim of the task with a smaller id may still be in an API's insert, not yet visible: ids are
 * drawn under the task's accept lock (insertClaims), so taking that lock waits such an insert out,
 * and the check is made again on what is committed then. Only tried (an insert holds it for
 * milliseconds): a task whose lock is busy is passed over, so no lock is ever awaited here.
 */
export async function pickClaimableTask(
  trx: Knex.Transaction,
  request: { claimId: number; departmentIds: number[]; taken: number[] },
): Promise<TaskView | undefined> {
  if (request.departmentIds.length === 0) return undefined;
  const passed = [...request.taken];
  for (;;) {
    const candidate: TaskView | undefined = await whereClaimable(taskViewQuery(trx), request.departmentIds)
      .whereNotIn('t.id', passed)
      .whereNotExists(
        trx('claim_requests as c').whereRaw('c.task_id = t.id').where('c.status', 'queued').where('c.id', '<', request.claimId),
      )
      .orderBy([{ column: 't.created_at' }, { column: 't.id' }])
      .first()
      .forUpdate('t')
      .skipLocked();
    if (!candidate) return undefined;
    const { rows }: { rows: { locked: boolean }[] } = await trx.raw(`SELECT pg_try_advisory_xact_lock(?, (?::bigint % 2147483647)::int) AS locked`, [
      ACCEPT_LOCK_NAMESPACE,
      candidate.id,
    ]);
    if (rows[0].locked && !(await hasEarlierQueuedClaim(trx, candidate.id, request.claimId))) return candidate;
    passed.push(candidate.id);
  }
}

export async function pageClaimableTasks(
  db: Knex,
  departmentIds: number[],
  page: { offset: number; limit: number },
): Promise<{ count: number; results: TaskView[] }> {
  if (departmentIds.length === 0) return { count: 0, results: [] };
  const [{ count }] = await claimableQuery(db, departmentIds).count({ count: '*' });
  const ids = claimableQuery(db, departmentIds)
    .select('t.id')
    .orderBy([{ column: 't.created_at' }, { column: 't.id' }])
    .offset(page.offset)
    .limit(page.limit);
  const results: TaskView[] = await taskViewQuery(db)
    .whereIn('t.id', ids)
    .orderBy([{ column: 't.created_at' }, { column: 't.id' }]);
  return { count: Number(count), results };
}

const taskColumns = (task: TaskUpsert) => ({
  id: task.id,
  work_order_id: task.work_order.id,
  work_content: task.work_content,
  status: task.status,
  assigned_department_id: task.assigned_department_id,
  assigned_operator_id: task.assigned_operator_id ?? null,
});

/**
 * Returns the ids that existed before. Every row is written in ascending id order, as the claim worker
 * locks tasks: work orders first (one statement, sorted), then the new tasks (one sorted INSERT), then
 * the existing ones, locked in id order before the UPDATE changes them. Written in request order, a bulk
 * upsert of [5, 2] and a claim batch deciding tasks 2 and 5 could each hold one row the other waits for.
 */
export async function upsertTasks(trx: Knex.Transaction, tasks: TaskUpsert[]): Promise<Set<number>> {
  const sorted = [...tasks].sort((a, b) => a.id - b.id);
  const workOrders = new Map(sorted.map((task) => [task.work_order.id, task.work_order]));
  await trx('work_orders')
    .insert([...workOrders.values()].sort((a, b) => a.id - b.id).map((w) => ({ id: w.id, order_number: w.order_number })))
    .onConflict('id')
    .merge({ order_number: trx.raw('excluded.order_number'), updated_at: trx.fn.now() });
  const inserted: { id: number | string }[] = await trx('work_order_tasks')
    .insert(sorted.map(taskColumns))
    .onConflict('id')
    .ignore()
    .returning('id');
  const created = new Set(inserted.map((row) => Number(row.id)));
  const existing = sorted.filter((task) => !created.has(task.id));
  if (existing.length) await updateTaskRows(trx, existing);
  return new Set(existing.map((task) => task.id));
}

/** Existing rows, sorted by id: locked in that order first, so the UPDATE (whose row order the planner picks) takes no new lock. */
async function updateTaskRows(trx: Knex.Transaction, tasks: TaskUpsert[]): Promise<void> {
  await trx('work_order_tasks').whereIn('id', tasks.map((task) => task.id)).orderBy('id').forNoKeyUpdate().select('id');
  // An omitted assigned_operator_id keeps the current assignee (a sync must not undo claims); null clears it.
  await trx.raw(
    `UPDATE work_order_tasks AS t SET
       work_order_id = v.work_order_id, work_content = v.work_content, status = v.status,
       assigned_department_id = v.assigned_department_id,
       assigned_operator_id = CASE WHEN v.keep_assignee THEN t.assigned_operator_id ELSE v.assigned_operator_id END,
       updated_at = now()
     FROM jsonb_to_recordset(?::jsonb) AS v(id bigint, work_order_id bigint, work_content text, status text,
       assigned_department_id bigint, assigned_operator_id bigint, keep_assignee boolean)
     WHERE t.id = v.id`,
    [
      JSON.stringify(tasks.map((task) => ({ ...taskColumns(task), keep_assignee: task.assigned_operator_id === undefined }))),
    ],
  );
}

export async function deleteTask(db: Knex, taskId: number): Promise<boolean> {
  return (await db('work_order_tasks').where({ id: taskId }).delete()) > 0;
}
