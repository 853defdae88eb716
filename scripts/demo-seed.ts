import type { Knex } from 'knex';
import { departmentsRepo as departments, operatorsRepo as operators, tasksRepo as tasks, tokensRepo as tokens } from '@taskclaim/shared';

export interface DemoSeed {
  adminToken: string | null;
  operatorTokens: { username: string; token: string }[];
  claimableTaskId: number;
}

/** Ids in the 9000s and `demo-` usernames keep the demo out of the way of data synced by the admin API. */
const DEPARTMENTS = [
  { id: 9001, name: 'Assembly' },
  { id: 9002, name: 'Painting' },
];
const OPERATORS = [
  { id: 9001, username: 'demo-li.wei', first_name: 'Wei', last_name: 'Li', department_ids: [9001] },
  { id: 9002, username: 'demo-ana.garcia', first_name: 'Ana', last_name: 'Garcia', department_ids: [9001], max_active_tasks: 2 },
  { id: 9003, username: 'demo-sam.okafor', first_name: 'Sam', last_name: 'Okafor', department_ids: [9002] },
  { id: 9004, username: 'demo-zhang.min', first_name: 'Min', last_name: 'Zhang', department_ids: [9001, 9002] },
];
const WORK_ORDER = { id: 9001, order_number: 'WO-DEMO-0001' };
const TASKS: tasks.TaskUpsert[] = [
  { id: 9001, work_order: WORK_ORDER, work_content: 'Mount the gearbox', status: 'pending', assigned_department_id: 9001 },
  { id: 9002, work_order: WORK_ORDER, work_content: 'Torque the housing bolts', status: 'pending', assigned_department_id: 9001 },
  { id: 9003, work_order: WORK_ORDER, work_content: 'Wire the control panel', status: 'in_progress', assigned_department_id: 9001 },
  { id: 9004, work_order: WORK_ORDER, work_content: 'Prime the frame', status: 'pending', assigned_department_id: 9002 },
  { id: 9005, work_order: WORK_ORDER, work_content: 'Final coat', status: 'draft', assigned_department_id: 9002 },
  { id: 9006, work_order: WORK_ORDER, work_content: 'Inspect welds', status: 'pending', assigned_department_id: null },
];

export async function isEmptyDatabase(db: Knex): Promise<boolean> {
  const [{ count }] = await db('operators').count({ count: '*' });
  const [{ count: taskCount }] = await db('work_order_tasks').count({ count: '*' });
  return Number(count) === 0 && Number(taskCount) === 0;
}

/** A small factory floor to try the API on; only for an empty database. `adminToken` null: ADMIN_TOKEN is used. */
export async function seedDemo(db: Knex, options: { createAdminToken: boolean }): Promise<DemoSeed> {
  return db.transaction(async (trx) => {
    for (const department of DEPARTMENTS) await departments.upsertDepartment(trx, department);
    for (const operator of OPERATORS) await operators.upsertOperator(trx, operator);
    await tasks.upsertTasks(trx, TASKS);
    const admin = options.createAdminToken ? await tokens.createToken(trx, { kind: 'admin', name: 'demo admin' }) : null;
    const operatorTokens = [];
    for (const operator of OPERATORS.slice(0, 2)) {
      const { token } = await tokens.createToken(trx, { kind: 'operator', name: `demo ${operator.username}`, operator_id: operator.id });
      operatorTokens.push({ username: operator.username, token });
    }
    return { adminToken: admin?.token ?? null, operatorTokens, claimableTaskId: TASKS[0].id };
  });
}
