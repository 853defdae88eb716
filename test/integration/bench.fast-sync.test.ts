import { makeTestEnv, type SpawnedApi, type TestEnv } from '../support/test-env';

/**
 * The bench's fast-sync baseline (bench/baselines/fast-sync) is only a fair peer if it decides as
 * taskclaim does: SPEC §3's rules in order, one winner per task, nobody over their limit.
 */
let env: TestEnv;
let fastSync: SpawnedApi;
beforeAll(async () => {
  env = await makeTestEnv();
  fastSync = await env.spawnApi({}, 'bench/baselines/fast-sync/server.ts');
});
afterAll(() => env.close());

const claim = (token: string, taskId: number) => fastSync.http('POST', `/api/workorder-tasks/${taskId}/claim/`, { token, body: { notes: 'first shift' } });
const notificationsOf = (operatorId: number) => env.db('notifications').where({ operator_id: operatorId }).select('task_id', 'params');

test('a claim of a free task succeeds, assigns the task and notifies the operator', async () => {
  const department = await env.factories.newDepartment();
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const task = await env.factories.newTask({ departmentId: department.id, workContent: 'Weld the frame' });
  const response = await claim(operator.token, task.id);
  expect(response.status).toBe(200);
  expect(response.body.data).toMatchObject({ task_id: task.id, already_claimed: false, assigned_operator: { id: operator.id, username: operator.username } });
  expect(await env.db('work_order_tasks').where({ id: task.id }).first('assigned_operator_id')).toEqual({ assigned_operator_id: operator.id });
  expect(await notificationsOf(operator.id)).toEqual([
    { task_id: task.id, params: { work_content: 'Weld the frame', order_number: `WO-${task.workOrderId}`, notes: 'first shift' } },
  ]);
});

test('each rule of SPEC §3 rejects with its code, in the rules\' order, and changes nothing', async () => {
  const department = await env.factories.newDepartment();
  const other = await env.factories.newDepartment({ name: 'Paint shop' });
  const operator = await env.factories.newOperator({ departmentIds: [department.id], maxActiveTasks: 1 });
  const holder = await env.factories.newOperator({ departmentIds: [department.id], username: 'zhang.wei' });
  const inactive = await env.factories.newOperator({ departmentIds: [department.id] });
  const draftTask = await env.factories.newTask({ departmentId: department.id, status: 'draft' });
  await env.db('operators').where({ id: inactive.id }).update({ active: false });
  const cases = [
    // rule 0 comes before the task's own state
    { token: inactive.token, taskId: draftTask.id, status: 400, code: 'operator_inactive' },
    { token: operator.token, taskId: env.factories.nextId(), status: 404, code: 'task_not_found' },
    { token: operator.token, taskId: draftTask.id, status: 400, code: 'task_draft' },
    { token: operator.token, taskId: (await env.factories.newTask({ departmentId: department.id, status: 'completed' })).id, status: 400, code: 'task_completed' },
    { token: operator.token, taskId: (await env.factories.newTask({ departmentId: department.id, status: 'cancelled' })).id, status: 400, code: 'task_cancelled' },
    // rule 2 before rule 3
    { token: operator.token, taskId: (await env.factories.newTask({ departmentId: null, status: 'draft' })).id, status: 400, code: 'task_draft' },
    { token: operator.token, taskId: (await env.factories.newTask({ departmentId: null })).id, status: 400, code: 'task_no_department' },
    { token: operator.token, taskId: (await env.factories.newTask({ departmentId: other.id })).id, status: 400, code: 'not_in_department', names: 'Paint shop' },
    // rule 4 before rule 4a, rule 4a before rules 5–7
    { token: operator.token, taskId: (await env.factories.newTask({ departmentId: other.id, requiredSkills: ['crane'] })).id, status: 400, code: 'not_in_department', names: 'Paint shop' },
    { token: operator.token, taskId: (await env.factories.newTask({ departmentId: department.id, requiredSkills: ['welding', 'crane'], assignedOperatorId: holder.id })).id, status: 400, code: 'missing_skill', names: 'welding, crane' },
    { token: operator.token, taskId: (await env.factories.newTask({ departmentId: department.id, assignedOperatorId: holder.id })).id, status: 400, code: 'already_claimed', names: 'zhang.wei' },
  ];
  for (const expected of cases) {
    const response = await claim(expected.token, expected.taskId);
    expect({ taskId: expected.taskId, status: response.status, code: response.body.code }).toEqual({ taskId: expected.taskId, status: expected.status, code: expected.code });
    if (expected.names) expect(response.body.detail).toContain(expected.names);
  }
  expect(await notificationsOf(operator.id)).toEqual([]);

  // rule 5 before rule 7: the operator's one allowed task, claimed again, is still theirs
  const mine = await env.factories.newTask({ departmentId: department.id });
  expect((await claim(operator.token, mine.id)).body.data.already_claimed).toBe(false);
  const again = await claim(operator.token, mine.id);
  expect(again.status).toBe(200);
  expect(again.body.data.already_claimed).toBe(true);
  const full = await claim(operator.token, (await env.factories.newTask({ departmentId: department.id })).id);
  expect(full.status).toBe(400);
  expect(full.body.code).toBe('capacity_reached');
  expect(await notificationsOf(operator.id)).toHaveLength(1);
});

test('concurrent claims of one operator on different tasks never take it over its limit', async () => {
  const department = await env.factories.newDepartment();
  const operator = await env.factories.newOperator({ departmentIds: [department.id], maxActiveTasks: 3 });
  const tasks = await Promise.all(Array.from({ length: 12 }, () => env.factories.newTask({ departmentId: department.id })));
  const responses = await Promise.all(tasks.map((task) => claim(operator.token, task.id)));
  expect(responses.map((r) => r.body.code ?? 'succeeded').sort()).toEqual([...Array(9).fill('capacity_reached'), ...Array(3).fill('succeeded')]);
  expect(await env.db('work_order_tasks').where({ assigned_operator_id: operator.id }).count({ n: '*' })).toEqual([{ n: 3 }]);
});

test('concurrent claims of one task by many operators have exactly one winner', async () => {
  const department = await env.factories.newDepartment();
  const operators = await Promise.all(Array.from({ length: 10 }, () => env.factories.newOperator({ departmentIds: [department.id] })));
  const task = await env.factories.newTask({ departmentId: department.id });
  const responses = await Promise.all(operators.map((operator) => claim(operator.token, task.id)));
  const winners = operators.filter((_, i) => responses[i].status === 200);
  expect(winners).toHaveLength(1);
  expect(responses.filter((r) => r.status === 400).map((r) => r.body.code)).toEqual(Array(9).fill('already_claimed'));
  expect(await env.db('work_order_tasks').where({ id: task.id }).first('assigned_operator_id')).toEqual({ assigned_operator_id: winners[0].id });
});
