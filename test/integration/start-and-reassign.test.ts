/**
 * SPEC §4 "Dispatch": POST /api/workorder-tasks/{id}/start/ and /reassign/ — requests stored as claim
 * requests with their action and decided in the task's partition, in acceptance order with the task's
 * other requests. Every rule and rule-order case, against the real PostgreSQL, Redis and workers.
 */
import { expectValidation } from '../support/http-contract';
import { openEventStream } from '../support/live-events';
import { whilePaused } from '../support/paused-queues';
import { ADMIN_TOKEN, eventually, makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
let department: { id: number };
let leased: { id: number };
beforeAll(async () => {
  // a closed event stream is noticed at its next keep-alive
  env = await makeTestEnv({ EVENTS_KEEP_ALIVE_MS: '400' });
  await env.startWorker();
  department = await env.factories.newDepartment({ name: 'Assembly' });
  leased = await env.factories.newDepartment({ claimLeaseSeconds: 3600 });
});
afterAll(() => env.close());

type Response = Awaited<ReturnType<TestEnv['http']>>;
const wait = { prefer: 'wait=20' };
const start = (token: string, taskId: number, body: Record<string, unknown> = {}, headers: Record<string, string> = wait) =>
  env.http('POST', `/api/workorder-tasks/${taskId}/start/`, { token, body, headers });
const reassign = (token: string, taskId: number, body: Record<string, unknown>, headers: Record<string, string> = wait) =>
  env.http('POST', `/api/workorder-tasks/${taskId}/reassign/`, { token, body, headers });
const release = (token: string, taskId: number, headers: Record<string, string> = wait) =>
  env.http('POST', `/api/workorder-tasks/${taskId}/release/`, { token, body: {}, headers });
const taskOf = async (taskId: number) => (await env.http('GET', `/api/workorder-tasks/${taskId}/`, { token: ADMIN_TOKEN })).body;
const notificationsOf = (operatorId: number) => env.db('notifications').where({ operator_id: operatorId }).orderBy('id').select('type', 'params', 'claim_id');
const decided = (response: Response, token: string) =>
  eventually(async () => {
    const polled = await env.http('GET', `/api/claims/${response.body.claim_id}`, { token });
    return polled.body.status === 'queued' ? undefined : polled.body;
  });

async function heldTask(departmentId = department.id, operatorOverrides: Parameters<TestEnv['factories']['newOperator']>[0] = {}) {
  const holder = await env.factories.newOperator({ departmentIds: [departmentId], ...operatorOverrides });
  const task = await env.factories.newTask({ departmentId, workContent: 'Fit the doors' });
  expect((await env.factories.claim(holder.token, task.id)).status).toBe(200);
  return { holder, task };
}

describe('start', () => {
  test('the assignee starts a pending task: 200, in_progress, the lease ends, no notification', async () => {
    const { holder, task } = await heldTask(leased.id);
    expect((await taskOf(task.id)).lease_expires_at).not.toBeNull();
    const response = await start(holder.token, task.id);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ action: 'start', status: 'succeeded', already_claimed: false, detail: 'Work on the task has started.', task: { status: 'in_progress', lease_expires_at: null } });
    expect(await taskOf(task.id)).toMatchObject({ status: 'in_progress', lease_expires_at: null, assigned_operator: { id: holder.id } });
    expect((await notificationsOf(holder.id)).map((n) => n.type)).toEqual(['task_assigned']);
  });

  test('already in_progress: succeeded, nothing changes', async () => {
    const { holder, task } = await heldTask();
    await start(holder.token, task.id);
    const before = await taskOf(task.id);
    const again = await start(holder.token, task.id, {}, { ...wait, 'accept-language': 'zh' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'succeeded', already_claimed: true, detail: '该任务已经开始' });
    expect((await taskOf(task.id)).updated_at).toBe(before.updated_at);
  });

  test('not the assignee → not_assignee naming the holder; an unassigned task → not_assignee in its own words', async () => {
    const { holder, task } = await heldTask();
    const other = await env.factories.newOperator({ departmentIds: [department.id] });
    const response = await start(other.token, task.id);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'not_assignee', detail: `This task is assigned to ${holder.username}, not to you, so you cannot start it.` });
    const free = await env.factories.newTask({ departmentId: department.id });
    expect((await start(other.token, free.id)).body).toMatchObject({ code: 'not_assignee', detail: 'This task is not assigned to anyone; claim it before starting it.' });
    expect((await taskOf(task.id)).status).toBe('pending');
  });

  test.each(['draft', 'completed', 'cancelled'])('a %s task of the assignee → task_not_startable', async (status) => {
    const operator = await env.factories.newOperator({ departmentIds: [department.id] });
    const task = await env.factories.newTask({ departmentId: department.id, status, assignedOperatorId: operator.id });
    const response = await start(operator.token, task.id);
    expect(response.body).toMatchObject({ code: 'task_not_startable', claim_id: expect.any(Number) });
    expect((await taskOf(task.id)).status).toBe(status);
  });

  test('rule order: operator_inactive first; task_not_found for a task deleted after the start was accepted', async () => {
    const { holder, task } = await heldTask();
    let accepted!: Response;
    await whilePaused(env, async () => {
      accepted = await start(holder.token, task.id, {}, { prefer: 'respond-async' });
      expect(accepted.status).toBe(202);
      expect(accepted.body).toMatchObject({ action: 'start', status: 'queued', detail: 'The start is queued and will be decided shortly.' });
      await env.http('DELETE', `/api/admin/tasks/${task.id}`, { token: ADMIN_TOKEN });
    });
    expect(await decided(accepted, holder.token)).toMatchObject({ code: 'task_not_found' });

    const second = await heldTask();
    await env.db('operators').where({ id: second.holder.id }).update({ active: false });
    // the operator's token is refused once deactivated: an admin acts for the operator
    expect((await start(ADMIN_TOKEN, second.task.id, { operator_id: second.holder.id })).body).toMatchObject({ code: 'operator_inactive' });
  });

  test('rule order: not_assignee comes before the task status — a closed task of someone else, or of nobody, is not_assignee', async () => {
    const operator = await env.factories.newOperator({ departmentIds: [department.id] });
    const other = await env.factories.newOperator({ departmentIds: [department.id] });
    const theirs = await env.factories.newTask({ departmentId: department.id, status: 'completed', assignedOperatorId: other.id });
    const nobodys = await env.factories.newTask({ departmentId: department.id, status: 'draft' });
    expect((await start(operator.token, theirs.id)).body).toMatchObject({ code: 'not_assignee', detail: `This task is assigned to ${other.username}, not to you, so you cannot start it.` });
    expect((await start(operator.token, nobodys.id)).body).toMatchObject({ code: 'not_assignee' });
    expect(await taskOf(theirs.id)).toMatchObject({ status: 'completed', assigned_operator: { id: other.id } });
  });

  test('decided in acceptance order with a release: release then start → not_assignee; start then release → task_not_releasable', async () => {
    const first = await heldTask();
    const second = await heldTask();
    const responses: Response[] = [];
    await whilePaused(env, async () => {
      responses.push(await release(first.holder.token, first.task.id, { prefer: 'respond-async' }));
      responses.push(await start(first.holder.token, first.task.id, {}, { prefer: 'respond-async' }));
      responses.push(await start(second.holder.token, second.task.id, {}, { prefer: 'respond-async' }));
      responses.push(await release(second.holder.token, second.task.id, { prefer: 'respond-async' }));
    });
    const outcomes = await Promise.all(responses.map((response, index) => decided(response, index < 2 ? first.holder.token : second.holder.token)));
    expect(outcomes.map((o) => [o.action, o.status, o.code])).toEqual([
      ['release', 'succeeded', null],
      ['start', 'rejected', 'not_assignee'],
      ['start', 'succeeded', null],
      ['release', 'rejected', 'task_not_releasable'],
    ]);
  });

  test('a task.started event reaches the department’s streams; claim.decided the operator’s', async () => {
    const { holder, task } = await heldTask();
    const watcher = await env.factories.newOperator({ departmentIds: [department.id] });
    const stream = await openEventStream(env.baseUrl, watcher.token);
    const own = await openEventStream(env.baseUrl, holder.token);
    try {
      const started = await start(holder.token, task.id);
      const event = await stream.next((e) => e.event === 'task.started');
      expect(event).toEqual({ event: 'task.started', id: `${started.body.claim_id}-task.started`, data: { task_id: task.id, operator_id: holder.id, claim_id: started.body.claim_id } });
      expect((await own.next((e) => e.event === 'claim.decided' && e.data.claim_id === started.body.claim_id)).data).toMatchObject({ action: 'start', status: 'succeeded' });
    } finally {
      stream.close();
      own.close();
    }
  });
});

describe('reassign', () => {
  test('an admin moves a held pending task: the target holds it, the lease restarts, both are notified, the history names previous_operator_id', async () => {
    const { holder, task } = await heldTask(leased.id);
    const target = await env.factories.newOperator({ departmentIds: [leased.id] });
    const before = await taskOf(task.id);
    const response = await reassign(ADMIN_TOKEN, task.id, { operator_id: target.id, notes: 'cover for lunch' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ action: 'reassign', status: 'succeeded', operator_id: target.id, previous_operator_id: holder.id, detail: 'Task reassigned.' });
    const after = await taskOf(task.id);
    expect(after).toMatchObject({ status: 'pending', assigned_operator: { id: target.id } });
    expect(Date.parse(after.claimed_at)).toBeGreaterThan(Date.parse(before.claimed_at));
    expect(Date.parse(after.lease_expires_at) - Date.parse(after.claimed_at)).toBe(3600_000);
    const [released, assigned] = [await notificationsOf(holder.id), await notificationsOf(target.id)];
    expect(released.map((n) => n.type)).toEqual(['task_assigned', 'task_released']);
    expect(assigned.map((n) => n.type)).toEqual(['task_assigned']);
    expect(released[1].claim_id).toBe(response.body.claim_id);
    const listed = await env.http('GET', '/api/notifications/', { token: holder.token });
    expect(listed.body.results[0]).toMatchObject({ type: 'task_released', title: 'Task reassigned: Fit the doors' });
    expect(listed.body.results[0].content).toContain('cover for lunch');
    const theirs = await env.http('GET', '/api/notifications/', { token: target.token, headers: { 'accept-language': 'zh' } });
    expect(theirs.body.results[0]).toMatchObject({ type: 'task_assigned', title: '任务已分配给您：Fit the doors' });
    const history = await env.http('GET', `/api/workorder-tasks/${task.id}/claims/`, { token: ADMIN_TOKEN });
    expect(history.body.results.at(-1)).toMatchObject({ action: 'reassign', operator_id: target.id, previous_operator_id: holder.id });
    expect((await env.http('GET', '/api/workorder-tasks/mine/', { token: holder.token })).body.active_count).toBe(0);
  });

  test('an in_progress task keeps its status and gets no lease; an unassigned task goes to the target with previous_operator_id null', async () => {
    const { holder, task } = await heldTask(leased.id);
    await start(holder.token, task.id);
    const target = await env.factories.newOperator({ departmentIds: [leased.id] });
    expect((await reassign(ADMIN_TOKEN, task.id, { operator_id: target.id })).body.task).toMatchObject({ status: 'in_progress', lease_expires_at: null, assigned_operator: { id: target.id } });
    const free = await env.factories.newTask({ departmentId: leased.id });
    const response = await reassign(ADMIN_TOKEN, free.id, { operator_id: target.id });
    expect(response.body).toMatchObject({ status: 'succeeded', previous_operator_id: null, task: { lease_expires_at: expect.any(String) } });
    expect((await notificationsOf(target.id)).map((n) => n.type)).toEqual(['task_assigned', 'task_assigned']);
  });

  test('the target rules, in order: operator_inactive, task status, task_no_department, not_in_department, missing_skill, already the target’s, capacity_reached', async () => {
    const { holder, task } = await heldTask();
    const inactive = await env.factories.newOperator({ departmentIds: [department.id], active: false });
    const outsider = await env.factories.newOperator({ departmentIds: [] });
    const unskilled = await env.factories.newOperator({ departmentIds: [department.id] });
    const full = await env.factories.newOperator({ departmentIds: [department.id], maxActiveTasks: 0 });
    const skilledTask = await env.factories.newTask({ departmentId: department.id, requiredSkills: ['crane'], assignedOperatorId: holder.id });
    const draft = await env.factories.newTask({ departmentId: null, status: 'draft' });
    const homeless = await env.factories.newTask({ departmentId: null });
    const cases: [number, number, string][] = [
      [task.id, inactive.id, 'operator_inactive'],
      [draft.id, unskilled.id, 'task_draft'],
      [homeless.id, unskilled.id, 'task_no_department'],
      [skilledTask.id, outsider.id, 'not_in_department'],
      [skilledTask.id, full.id, 'missing_skill'],
      [task.id, full.id, 'capacity_reached'],
    ];
    for (const [taskId, operatorId, code] of cases) {
      const response = await reassign(ADMIN_TOKEN, taskId, { operator_id: operatorId });
      expect({ taskId, operatorId, status: response.status, code: response.body.code }).toEqual({ taskId, operatorId, status: 400, code });
    }
    const missing = await reassign(ADMIN_TOKEN, skilledTask.id, { operator_id: unskilled.id }, { ...wait, 'accept-language': 'zh' });
    expect(missing.body.detail).toBe(`操作员 ${unskilled.username} 缺少该任务所需的技能：crane`);
    const same = await reassign(ADMIN_TOKEN, task.id, { operator_id: holder.id });
    expect(same.body).toMatchObject({ status: 'succeeded', already_claimed: true, previous_operator_id: holder.id, detail: 'The task is already assigned to this operator.' });
    expect((await taskOf(task.id)).assigned_operator.id).toBe(holder.id);
    expect((await taskOf(skilledTask.id)).assigned_operator.id).toBe(holder.id);
    expect((await notificationsOf(holder.id)).map((n) => n.type)).toEqual(['task_assigned']);
    // task gone after acceptance → task_not_found
    let accepted!: Response;
    await whilePaused(env, async () => {
      accepted = await reassign(ADMIN_TOKEN, task.id, { operator_id: unskilled.id }, { prefer: 'respond-async' });
      await env.http('DELETE', `/api/admin/tasks/${task.id}`, { token: ADMIN_TOKEN });
    });
    expect(await decided(accepted, ADMIN_TOKEN)).toMatchObject({ code: 'task_not_found' });
  });

  test('rule order for the target: operator_inactive before the task status; already the target’s before capacity_reached', async () => {
    const inactive = await env.factories.newOperator({ departmentIds: [department.id], active: false });
    const draft = await env.factories.newTask({ departmentId: department.id, status: 'draft' });
    expect((await reassign(ADMIN_TOKEN, draft.id, { operator_id: inactive.id })).body).toMatchObject({ status: 400, code: 'operator_inactive' });
    const full = await env.factories.newOperator({ departmentIds: [department.id], maxActiveTasks: 1 });
    const own = await env.factories.newTask({ departmentId: department.id, assignedOperatorId: full.id });
    const response = await reassign(ADMIN_TOKEN, own.id, { operator_id: full.id });
    expect(response.body).toMatchObject({ status: 'succeeded', already_claimed: true, previous_operator_id: full.id });
    expect((await taskOf(own.id)).assigned_operator.id).toBe(full.id);
    expect(await notificationsOf(full.id)).toEqual([]);
  });

  test('who may reassign: admin and integration tokens of the task’s department; operator tokens and other integrations → 403', async () => {
    const { holder, task } = await heldTask();
    const target = await env.factories.newOperator({ departmentIds: [department.id] });
    const elsewhere = await env.factories.newDepartment();
    const ours = await env.factories.newToken({ kind: 'integration', name: 'MES', department_ids: [department.id] });
    const theirs = await env.factories.newToken({ kind: 'integration', name: 'other MES', department_ids: [elsewhere.id] });
    expect((await reassign(holder.token, task.id, { operator_id: target.id })).body).toMatchObject({ status: 403, code: 'forbidden' });
    expect((await reassign(theirs.token, task.id, { operator_id: target.id })).status).toBe(403);
    expect((await taskOf(task.id)).assigned_operator.id).toBe(holder.id);
    const response = await reassign(ours.token, task.id, { operator_id: target.id });
    expect(response.body).toMatchObject({ status: 'succeeded', previous_operator_id: holder.id });
  });

  test('bad input: no operator_id, an unknown operator, a bad body → 400 validation_error, nothing changes', async () => {
    const { holder, task } = await heldTask();
    expectValidation(await reassign(ADMIN_TOKEN, task.id, {}), 'body.operator_id');
    expectValidation(await reassign(ADMIN_TOKEN, task.id, { operator_id: 987_654_321 }), 'body.operator_id');
    const integration = await env.factories.newToken({ kind: 'integration', name: 'MES', department_ids: [department.id] });
    expectValidation(await reassign(integration.token, task.id, { operator_id: 987_654_321 }), 'body.operator_id');
    expectValidation(await reassign(ADMIN_TOKEN, task.id, { operator_id: '12' }), 'body.operator_id');
    expect((await reassign(ADMIN_TOKEN, 987_654_321, { operator_id: holder.id })).body).toMatchObject({ status: 404, code: 'task_not_found' });
    expect((await taskOf(task.id)).assigned_operator.id).toBe(holder.id);
    expect(await env.db('claim_requests').where({ task_id: task.id, action: 'reassign' })).toEqual([]);
  });

  test('events: task.released (reason reassigned, the previous holder) then task.claimed (the target)', async () => {
    const { holder, task } = await heldTask();
    const target = await env.factories.newOperator({ departmentIds: [department.id] });
    const watcher = await env.factories.newOperator({ departmentIds: [department.id] });
    const stream = await openEventStream(env.baseUrl, watcher.token);
    try {
      const response = await reassign(ADMIN_TOKEN, task.id, { operator_id: target.id });
      const claimed = await stream.next((e) => e.event === 'task.claimed' && e.data.claim_id === response.body.claim_id);
      const ofTask = stream.events.filter((e) => e.data.task_id === task.id && e.event.startsWith('task.'));
      expect(ofTask.map((e) => [e.event, e.data])).toEqual([
        ['task.released', { task_id: task.id, operator_id: holder.id, claim_id: response.body.claim_id, reason: 'reassigned' }],
        ['task.claimed', { task_id: task.id, operator_id: target.id, username: target.username, claim_id: response.body.claim_id }],
      ]);
      expect(claimed.id).toBe(`${response.body.claim_id}-task.claimed`);
    } finally {
      stream.close();
    }
  });
});
