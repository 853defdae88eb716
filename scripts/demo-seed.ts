import type { Knex } from 'knex';
import * as departments from '../services/api/src/db/departments.repository';
import * as operators from '../services/api/src/db/operators.repository';
import * as tasks from '../services/api/src/db/tasks.repository';
import * as tokens from '../services/api/src/db/tokens.repository';

export interface DemoSeed {
  adminToken: string | null;
  /** OPERATOR_TOKEN and OTHER_TOKEN of the README's first session */
  operatorToken: { operatorId: number; username: string; token: string };
  otherToken: { operatorId: number; username: string; token: string };
}

/** Ids in the 9000s and `demo-` usernames keep the demo out of the way of data synced by the admin API. */
const DEPARTMENTS = [
  { id: 9001, name: 'Assembly' },
  { id: 9002, name: 'Painting' },
  { id: 9003, name: 'Quality' },
];
const OPERATORS: operators.OperatorUpsert[] = [
  { id: 9001, username: 'demo-li.wei', first_name: 'Wei', last_name: 'Li', department_ids: [9001, 9003], skills: ['torque-wrench'] },
  { id: 9002, username: 'demo-ana.garcia', first_name: 'Ana', last_name: 'Garcia', department_ids: [9001], max_active_tasks: 3 },
  { id: 9003, username: 'demo-sam.okafor', first_name: 'Sam', last_name: 'Okafor', department_ids: [9002], skills: ['spray-booth'] },
  { id: 9004, username: 'demo-zhang.min', first_name: 'Min', last_name: 'Zhang', department_ids: [9001, 9002, 9003], skills: ['welding', 'torque-wrench'] },
];
const GEARBOX = { id: 9001, order_number: 'WO-DEMO-0001' };
const FRAME = { id: 9002, order_number: 'WO-DEMO-0002' };
const HOURS = 3_600_000;

/** A shift's work: priorities, due times from now, skills, one task in progress. */
function demoTasks(now: number): tasks.TaskUpsert[] {
  const due = (hours: number) => new Date(now + hours * HOURS).toISOString();
  const assembly = { status: 'pending' as const, assigned_department_id: 9001 };
  const painting = { status: 'pending' as const, assigned_department_id: 9002 };
  const quality = { status: 'pending' as const, assigned_department_id: 9003 };
  return [
    { id: 9001, work_order: GEARBOX, work_content: 'Mount the gearbox', ...assembly, priority: 70, due_at: due(2) },
    { id: 9002, work_order: GEARBOX, work_content: 'Torque the housing bolts to 45 N·m', ...assembly, priority: 60, due_at: due(3), required_skills: ['torque-wrench'] },
    { id: 9003, work_order: GEARBOX, work_content: 'Wire the control panel', ...assembly, status: 'in_progress', assigned_operator_id: 9004, priority: 60 },
    { id: 9004, work_order: GEARBOX, work_content: 'Fit the hydraulic pump', ...assembly, priority: 90, due_at: due(1) },
    { id: 9005, work_order: GEARBOX, work_content: 'Align the drive shaft', ...assembly, priority: 50, due_at: due(6) },
    { id: 9006, work_order: GEARBOX, work_content: 'Install the cab door seals', ...assembly, priority: 30 },
    { id: 9007, work_order: GEARBOX, work_content: 'Weld the mounting brackets', ...assembly, priority: 80, due_at: due(4), required_skills: ['welding'] },
    { id: 9008, work_order: FRAME, work_content: 'Prime the frame', ...painting, priority: 75, due_at: due(2) },
    { id: 9009, work_order: FRAME, work_content: 'Spray the base coat', ...painting, priority: 60, due_at: due(5), required_skills: ['spray-booth'] },
    { id: 9010, work_order: FRAME, work_content: 'Mask the chassis numbers', ...painting, priority: 40 },
    { id: 9011, work_order: FRAME, work_content: 'Final coat', ...painting, status: 'draft', priority: 50 },
    { id: 9012, work_order: FRAME, work_content: 'Inspect the welds', ...quality, priority: 85, due_at: due(3) },
    { id: 9013, work_order: GEARBOX, work_content: 'Check the brake lines for leaks', ...quality, priority: 65, due_at: due(4) },
    { id: 9014, work_order: GEARBOX, work_content: 'Test-run the gearbox', ...quality, priority: 45, due_at: due(8), required_skills: ['torque-wrench'] },
  ];
}

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
    await tasks.upsertTasks(trx, demoTasks(Date.now()));
    const admin = options.createAdminToken ? await tokens.createToken(trx, { kind: 'admin', name: 'demo admin' }) : null;
    const [operatorToken, otherToken] = await Promise.all(OPERATORS.slice(0, 2).map(async (operator) => ({
      operatorId: operator.id,
      username: operator.username,
      token: (await tokens.createToken(trx, { kind: 'operator', name: `demo ${operator.username}`, operator_id: operator.id })).token,
    })));
    return { adminToken: admin?.token ?? null, operatorToken, otherToken };
  });
}
