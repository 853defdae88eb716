import type { Knex } from 'knex';
import { ACTIVE_TASK_STATUSES, type TaskStatus } from '../../domain/decide-claim';

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

/** task id → its new assignee, in one statement; returns each task's new updated_at. */
export async function assignOperators(trx: Knex.Transaction, assignments: Map<number, number>): Promise<Map<number, Date>> {
  if (assignments.size === 0) return new Map();
  const { rows }: { rows: { id: number; updated_at: Date }[] } = await trx.raw(
    `UPDATE work_order_tasks AS t SET assigned_operator_id = v.operator_id, updated_at = now()
     FROM unnest(?::bigint[], ?::bigint[]) AS v(id, operator_id) WHERE t.id = v.id
     RETURNING t.id, t.updated_at`,
    [[...assignments.keys()], [...assignments.values()]],
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

function claimableQuery(db: Knex, departmentIds: number[]) {
  return db('work_order_tasks as t')
    .whereIn('t.assigned_department_id', departmentIds)
    .where('t.status', 'pending')
    .whereNull('t.assigned_operator_id');
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

export async function upsertTasks(trx: Knex.Transaction, tasks: TaskUpsert[]): Promise<Set<number>> {
  const workOrders = new Map(tasks.map((task) => [task.work_order.id, task.work_order]));
  await trx('work_orders')
    .insert([...workOrders.values()].map((w) => ({ id: w.id, order_number: w.order_number })))
    .onConflict('id')
    .merge({ order_number: trx.raw('excluded.order_number'), updated_at: trx.fn.now() });
  const existing = await trx('work_order_tasks').whereIn('id', tasks.map((task) => task.id)).pluck('id');
  // An omitted assigned_operator_id keeps the current assignee (a sync must not undo claims); null clears it.
  const withAssignee = tasks.filter((task) => task.assigned_operator_id !== undefined);
  const withoutAssignee = tasks.filter((task) => task.assigned_operator_id === undefined);
  if (withAssignee.length) await upsertTaskRows(trx, withAssignee, true);
  if (withoutAssignee.length) await upsertTaskRows(trx, withoutAssignee, false);
  return new Set(existing.map(Number));
}

async function upsertTaskRows(trx: Knex.Transaction, tasks: TaskUpsert[], setAssignee: boolean): Promise<void> {
  const merged = ['work_order_id', 'work_content', 'status', 'assigned_department_id'];
  if (setAssignee) merged.push('assigned_operator_id');
  await trx('work_order_tasks')
    .insert(
      tasks.map((task) => ({
        id: task.id,
        work_order_id: task.work_order.id,
        work_content: task.work_content,
        status: task.status,
        assigned_department_id: task.assigned_department_id,
        assigned_operator_id: task.assigned_operator_id ?? null,
      })),
    )
    .onConflict('id')
    .merge({
      ...Object.fromEntries(merged.map((column) => [column, trx.raw('??', [`excluded.${column}`])])),
      updated_at: trx.fn.now(),
    });
}

export async function deleteTask(db: Knex, taskId: number): Promise<boolean> {
  return (await db('work_order_tasks').where({ id: taskId }).delete()) > 0;
}
