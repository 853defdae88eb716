import type { Knex } from 'knex';
import { tasksRepo } from '@taskclaim/shared/db';
import { type TaskStatus } from '@taskclaim/shared/domain';

type TaskRow = tasksRepo.TaskRow;

/**
 * The tasks as only the API writes them (the admin's upserts and deletes) and the ids release-mine reads.
 * (The decision locks and writes tasks, and the lists read them, in the shared tasks repository.)
 */

export interface TaskUpsert {
  id: number;
  work_order: { id: number; order_number: string };
  work_content: string;
  status: TaskStatus;
  assigned_department_id: number | null;
  assigned_operator_id?: number | null;
  priority?: number;
  /** ISO 8601; null clears it */
  due_at?: string | null;
  required_skills?: string[];
}

/** The ids of an operator's pending tasks (assigned, not started), oldest first; `departmentIds`: only of those departments. */
export async function pendingTaskIdsOf(db: Knex, operatorId: number, departmentIds?: readonly number[]): Promise<number[]> {
  const query = db('work_order_tasks').where({ assigned_operator_id: operatorId, status: 'pending' }).orderBy('id');
  return (await (departmentIds ? query.whereIn('assigned_department_id', departmentIds) : query).pluck('id')).map(Number);
}

const taskColumns = (task: TaskUpsert) => ({
  id: task.id,
  work_order_id: task.work_order.id,
  work_content: task.work_content,
  status: task.status,
  assigned_department_id: task.assigned_department_id,
  assigned_operator_id: task.assigned_operator_id ?? null,
  priority: task.priority ?? 50,
  due_at: task.due_at ?? null,
  required_skills: task.required_skills ?? [],
});

/**
 * Returns the ids that existed before. Every row is written in ascending id order, as the claim worker
 * locks tasks: work orders first (one statement, sorted), then the new tasks (one sorted INSERT), then
 * the existing ones, locked in id order before the UPDATE changes them. Written in request order, a bulk
 * upsert of [5, 2] and a claim batch deciding tasks 2 and 5 could each hold one row the other waits for.
 *
 * A task whose assignee or status the upsert changed gets claimed_at and its lease as a decision would
 * leave them (writeTaskChanges): an assignee set now starts a pending task's lease, a task set
 * in_progress (or unassigned) has none.
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
  const before = existing.length ? await updateTaskRows(trx, existing) : new Map<number, Pick<TaskRow, 'assigned_operator_id' | 'status'>>();
  const changes = new Map<number, tasksRepo.TaskChange>();
  for (const task of sorted) {
    const old = before.get(task.id) ?? { assigned_operator_id: null, status: task.status };
    const operatorId = task.assigned_operator_id === undefined ? old.assigned_operator_id : task.assigned_operator_id;
    const assignedNow = operatorId !== null && operatorId !== old.assigned_operator_id;
    const unassignedNow = operatorId === null && old.assigned_operator_id !== null;
    if (assignedNow || unassignedNow || old.status !== task.status) changes.set(task.id, { operatorId, status: task.status, assignedNow });
  }
  await tasksRepo.writeTaskChanges(trx, changes);
  return new Set(existing.map((task) => task.id));
}

/**
 * Existing rows, sorted by id: locked in that order first, so the UPDATE (whose row order the planner
 * picks) takes no new lock. Returns each row's assignee and status before the update.
 */
async function updateTaskRows(trx: Knex.Transaction, tasks: TaskUpsert[]): Promise<Map<number, Pick<TaskRow, 'assigned_operator_id' | 'status'>>> {
  const before: Pick<TaskRow, 'id' | 'assigned_operator_id' | 'status'>[] = await trx('work_order_tasks')
    .whereIn('id', tasks.map((task) => task.id))
    .orderBy('id')
    .forNoKeyUpdate()
    .select('id', 'assigned_operator_id', 'status');
  // An omitted optional field keeps its value (a sync must not undo claims); null clears the assignee and due_at.
  await trx.raw(
    `UPDATE work_order_tasks AS t SET
       work_order_id = v.work_order_id, work_content = v.work_content, status = v.status,
       assigned_department_id = v.assigned_department_id,
       assigned_operator_id = CASE WHEN v.keep_assignee THEN t.assigned_operator_id ELSE v.assigned_operator_id END,
       priority = CASE WHEN v.keep_priority THEN t.priority ELSE v.priority END,
       due_at = CASE WHEN v.keep_due_at THEN t.due_at ELSE v.due_at END,
       required_skills = CASE WHEN v.keep_required_skills THEN t.required_skills ELSE v.required_skills END,
       updated_at = now()
     FROM jsonb_to_recordset(?::jsonb) AS v(id bigint, work_order_id bigint, work_content text, status text,
       assigned_department_id bigint, assigned_operator_id bigint, keep_assignee boolean, priority int, keep_priority boolean,
       due_at timestamptz, keep_due_at boolean, required_skills text[], keep_required_skills boolean)
     WHERE t.id = v.id`,
    [
      JSON.stringify(
        tasks.map((task) => ({
          ...taskColumns(task),
          keep_assignee: task.assigned_operator_id === undefined,
          keep_priority: task.priority === undefined,
          keep_due_at: task.due_at === undefined,
          keep_required_skills: task.required_skills === undefined,
        })),
      ),
    ],
  );
  return new Map(before.map((row) => [Number(row.id), row]));
}

export async function deleteTask(db: Knex, taskId: number): Promise<boolean> {
  return (await db('work_order_tasks').where({ id: taskId }).delete()) > 0;
}
