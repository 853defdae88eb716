/**
 * SPEC §4 "Dispatch": POST /api/workorder-tasks/release-mine/ — shift handover. One release request per
 * pending task of the acting operator, each decided in its task's partition; answered with all of them,
 * waited for under `Prefer: wait`; an Idempotency-Key replay answers the same requests.
 */
import { expectValidation } from '../support/http-contract';
import { openEventStream } from '../support/live-events';
import { whilePaused } from '../support/paused-queues';
import { ADMIN_TOKEN, eventually, makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
let department: { id: number };
beforeAll(async () => {
  env = await makeTestEnv();
  await env.startWorker();
  department = await env.factories.newDepartment();
});
afterAll(() => env.close());

const releaseMine = (token: string, body: Record<string, unknown> = {}, headers: Record<string, string> = { prefer: 'wait=20' }) =>
  env.http('POST', '/api/workorder-tasks/release-mine/', { token, body, headers });
const assigneeOf = async (taskId: number) => (await env.http('GET', `/api/workorder-tasks/${taskId}/`, { token: ADMIN_TOKEN })).body.assigned_operator?.id ?? null;

/** An operator holding `pending` pending tasks and one in_progress task, all claimed through the API. */
async function operatorOnShift(pending: number, departmentId = department.id) {
  const operator = await env.factories.newOperator({ departmentIds: [departmentId] });
  const tasks = [];
  for (let n = 0; n < pending + 1; n++) {
    const task = await env.factories.newTask({ departmentId });
    expect((await env.factories.claim(operator.token, task.id)).status).toBe(200);
    tasks.push(task.id);
  }
  const started = tasks.pop() as number;
  expect((await env.http('POST', `/api/workorder-tasks/${started}/start/`, { token: operator.token, body: {}, headers: { prefer: 'wait=20' } })).status).toBe(200);
  return { operator, pending: tasks, started };
}

test('under Prefer: wait: 200 once every pending task is released; a started task stays', async () => {
  const { operator, pending, started } = await operatorOnShift(3);
  const response = await releaseMine(operator.token, { notes: 'end of shift' });
  expect(response.status).toBe(200);
  expect(response.headers.get('preference-applied')).toBe('wait=20');
  expect(response.body.count).toBe(3);
  expect(response.body.results.map((r: { task_id: number }) => r.task_id).sort()).toEqual([...pending].sort());
  for (const result of response.body.results) expect(result).toMatchObject({ action: 'release', status: 'succeeded', operator_id: operator.id, notes: 'end of shift' });
  for (const taskId of pending) expect(await assigneeOf(taskId)).toBeNull();
  expect(await assigneeOf(started)).toBe(operator.id);
  const released = await env.db('notifications').where({ operator_id: operator.id, type: 'task_released' });
  expect(released).toHaveLength(3);
});

test.each<[string, Record<string, string>, boolean]>([
  ['without a wait', {}, false],
  ['with a Prefer: wait that ends before the releases are decided', { prefer: 'wait=1' }, true],
])('%s: 202 with the queued requests, each decided after', async (_name, headers, paused) => {
  const { operator, pending } = await operatorOnShift(2);
  const response = paused ? await whilePaused(env, () => releaseMine(operator.token, {}, headers)) : await releaseMine(operator.token, {}, headers);
  expect(response.status).toBe(202);
  expect(response.headers.get('retry-after')).toBe('1');
  expect(response.body.count).toBe(2);
  for (const result of response.body.results) expect(result).toMatchObject({ action: 'release', status: 'queued' });
  await eventually(async () => ((await Promise.all(pending.map(assigneeOf))).every((id) => id === null) ? true : undefined));
});

test('each release reaches the department’s streams as task.released with reason released', async () => {
  const { operator, pending } = await operatorOnShift(2);
  const watcher = await env.factories.newOperator({ departmentIds: [department.id] });
  const stream = await openEventStream(env.baseUrl, watcher.token);
  try {
    const response = await releaseMine(operator.token);
    for (const result of response.body.results) {
      const event = await stream.next((e) => e.event === 'task.released' && e.data.claim_id === result.claim_id);
      expect(event.data).toEqual({ task_id: result.task_id, operator_id: operator.id, claim_id: result.claim_id, reason: 'released' });
    }
    expect(response.body.results.map((r: { task_id: number }) => r.task_id).sort()).toEqual([...pending].sort());
  } finally {
    stream.close();
  }
});

test('no pending task: 200 {count: 0, results: []}', async () => {
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const response = await releaseMine(operator.token, {}, {});
  expect(response.status).toBe(200);
  expect(response.body).toEqual({ count: 0, results: [] });
});

test('an Idempotency-Key replay answers the same requests and releases nothing twice; another body with the key → 422', async () => {
  const { operator, pending } = await operatorOnShift(2);
  const headers = { prefer: 'wait=20', 'idempotency-key': 'shift-end-42' };
  const first = await releaseMine(operator.token, {}, headers);
  expect(first.body.count).toBe(2);
  // the operator claims again after the handover: a replay must not release it
  const again = await env.factories.newTask({ departmentId: department.id });
  await env.factories.claim(operator.token, again.id);
  const replay = await releaseMine(operator.token, {}, headers);
  expect(replay.status).toBe(200);
  expect(replay.body.results.map((r: { claim_id: number }) => r.claim_id)).toEqual(first.body.results.map((r: { claim_id: number }) => r.claim_id));
  expect(await assigneeOf(again.id)).toBe(operator.id);
  expect(await env.db('claim_requests').where({ operator_id: operator.id, action: 'release' })).toHaveLength(2);
  for (const taskId of pending) expect(await assigneeOf(taskId)).toBeNull();
  const conflict = await releaseMine(operator.token, { notes: 'other' }, headers);
  expect(conflict.body).toMatchObject({ status: 422, code: 'idempotency_key_reused' });
  // an empty handover replays as empty too
  const idle = await env.factories.newOperator({ departmentIds: [department.id] });
  expect((await releaseMine(idle.token, {}, { 'idempotency-key': 'idle' })).body).toEqual({ count: 0, results: [] });
  await env.factories.claim(idle.token, (await env.factories.newTask({ departmentId: department.id })).id);
  expect((await releaseMine(idle.token, {}, { 'idempotency-key': 'idle' })).body).toEqual({ count: 0, results: [] });
});

test('concurrent requests with the same key make one set of release requests', async () => {
  const { operator } = await operatorOnShift(3);
  const headers = { prefer: 'wait=20', 'idempotency-key': 'double-click' };
  const [a, b] = await Promise.all([releaseMine(operator.token, {}, headers), releaseMine(operator.token, {}, headers)]);
  const ids = (response: typeof a) => response.body.results.map((r: { claim_id: number }) => r.claim_id).sort();
  expect(ids(a)).toEqual(ids(b));
  expect(await env.db('claim_requests').where({ operator_id: operator.id, action: 'release' })).toHaveLength(3);
});

test('integration and admin tokens name the operator; an integration releases only its departments’ tasks', async () => {
  const other = await env.factories.newDepartment();
  const operator = await env.factories.newOperator({ departmentIds: [department.id, other.id] });
  const ours = await env.factories.newTask({ departmentId: department.id });
  const theirs = await env.factories.newTask({ departmentId: other.id });
  await env.factories.claim(operator.token, ours.id);
  await env.factories.claim(operator.token, theirs.id);
  const integration = await env.factories.newToken({ kind: 'integration', name: 'MES', department_ids: [department.id] });
  const response = await releaseMine(integration.token, { operator_id: operator.id });
  expect(response.body.results.map((r: { task_id: number }) => r.task_id)).toEqual([ours.id]);
  expect(await assigneeOf(theirs.id)).toBe(operator.id);
  expect((await releaseMine(ADMIN_TOKEN, { operator_id: operator.id })).body.results.map((r: { task_id: number }) => r.task_id)).toEqual([theirs.id]);
});

test('bad input: admin or integration token without operator_id → 400; an operator token naming another → 403; a callback from an operator token → 403', async () => {
  const { operator, pending } = await operatorOnShift(1);
  expectValidation(await releaseMine(ADMIN_TOKEN, {}), 'body.operator_id');
  const integration = await env.factories.newToken({ kind: 'integration', name: 'MES', department_ids: [department.id] });
  expectValidation(await releaseMine(integration.token, {}), 'body.operator_id');
  const someoneElse = await env.factories.newOperator({ departmentIds: [department.id] });
  expect((await releaseMine(someoneElse.token, { operator_id: operator.id })).status).toBe(403);
  expect((await releaseMine(operator.token, { callback_url: 'https://example.com/hook' })).status).toBe(403);
  expectValidation(await releaseMine(operator.token, { unknown: 1 }), 'body');
  expect(await assigneeOf(pending[0])).toBe(operator.id);
});
