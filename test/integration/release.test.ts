/**
 * POST /api/workorder-tasks/{id}/release/ (SPEC §4 "Release and claim-next"): a release is a claim
 * request with `action: "release"`, queued to its task's partition and decided there in acceptance
 * order with the task's claims. Real PostgreSQL and Redis, real workers.
 */
import { checkInvariants } from '../../harness/invariants';
import { expectInvariants } from '../support/invariants';
import { whilePaused } from '../support/paused-queues';
import { startReceiver } from '../support/webhook-receivers';
import { ADMIN_TOKEN, eventually, makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
let department: { id: number };
beforeAll(async () => {
  env = await makeTestEnv({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' });
  await env.startWorker();
  department = await env.factories.newDepartment();
});
afterAll(() => env.close());

type Response = Awaited<ReturnType<TestEnv['http']>>;
const release = (token: string, taskId: number, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  env.http('POST', `/api/workorder-tasks/${taskId}/release/`, { token, body, headers: { prefer: 'wait=20', ...headers } });
const async = { prefer: 'respond-async' };
const decided = (response: Response, token: string) =>
  eventually(async () => {
    const polled = await env.http('GET', `/api/claims/${response.body.claim_id}`, { token });
    return polled.body.status === 'queued' ? undefined : polled.body;
  });
const assigneeOf = async (taskId: number) => (await env.http('GET', `/api/workorder-tasks/${taskId}/`, { token: ADMIN_TOKEN })).body.assigned_operator?.id ?? null;
const notificationsOf = (operatorId: number) => env.db('notifications').where({ operator_id: operatorId }).orderBy('id').pluck('type');

/** A pending task of the department, held by a fresh operator (claimed through the API). */
async function heldTask() {
  const holder = await env.factories.newOperator({ departmentIds: [department.id] });
  const task = await env.factories.newTask({ departmentId: department.id, workContent: 'Grind the seams' });
  expect((await env.factories.claim(holder.token, task.id)).status).toBe(200);
  return { holder, task };
}

test('the assignee releases a pending task: 200 under Prefer: wait, the task is free, one task_released notification', async () => {
  const { holder, task } = await heldTask();
  const response = await release(holder.token, task.id, { notes: 'wrong task' });
  expect(response.status).toBe(200);
  expect(response.headers.get('preference-applied')).toBe('wait=20');
  expect(response.body).toMatchObject({ action: 'release', status: 'succeeded', task_id: task.id, operator_id: holder.id, code: null, detail: 'Task released.' });
  expect(response.body.assigned_operator).toBeNull();
  expect(response.body.task).toMatchObject({ id: task.id, assigned_operator: null, status: 'pending' });
  expect(await assigneeOf(task.id)).toBeNull();
  expect(await notificationsOf(holder.id)).toEqual(['task_assigned', 'task_released']);
  const listed = await env.http('GET', '/api/notifications/', { token: holder.token });
  expect(listed.body.results[0]).toMatchObject({ type: 'task_released', task_id: task.id });
  expect(listed.body.results[0].title).toContain('Grind the seams');
  expect(listed.body.results[0].content).toContain('wrong task');
  const mine = await env.http('GET', '/api/workorder-tasks/mine/', { token: holder.token });
  expect(mine.body.active_count).toBe(0);
});

test('release, then claim, accepted in that order while the queue waits: the claim sees the task free', async () => {
  const { holder, task } = await heldTask();
  const other = await env.factories.newOperator({ departmentIds: [department.id] });
  let released!: Response;
  let claimed!: Response;
  await whilePaused(env, async () => {
    released = await release(holder.token, task.id, {}, async);
    claimed = await env.factories.claim(other.token, task.id, {}, async);
    expect([released.status, claimed.status]).toEqual([202, 202]);
    expect(released.headers.get('location')).toBe(`/api/claims/${released.body.claim_id}`);
    expect(released.body).toMatchObject({ action: 'release', status: 'queued', detail: 'The release is queued and will be decided shortly.' });
  });
  expect(await decided(released, holder.token)).toMatchObject({ status: 'succeeded' });
  expect(await decided(claimed, other.token)).toMatchObject({ status: 'succeeded', already_claimed: false });
  expect(await assigneeOf(task.id)).toBe(other.id);
});

test('claim, release, claim in that order: the first claim loses, the release frees the task, the last claim wins', async () => {
  const { holder, task } = await heldTask();
  const [early, late] = await Promise.all([1, 2].map(() => env.factories.newOperator({ departmentIds: [department.id] })));
  const responses: Response[] = [];
  await whilePaused(env, async () => {
    responses.push(await env.factories.claim(early.token, task.id, {}, async));
    responses.push(await release(holder.token, task.id, {}, async));
    responses.push(await env.factories.claim(late.token, task.id, {}, async));
  });
  const [first, released, last] = await Promise.all(responses.map((response, index) => decided(response, [early, holder, late][index].token)));
  expect(first).toMatchObject({ status: 'rejected', code: 'already_claimed' });
  expect(released).toMatchObject({ status: 'succeeded', action: 'release' });
  expect(last).toMatchObject({ status: 'succeeded', already_claimed: false });
  expect(await assigneeOf(task.id)).toBe(late.id);
  expect(await notificationsOf(holder.id)).toEqual(['task_assigned', 'task_released']);
  expect(await notificationsOf(late.id)).toEqual(['task_assigned']);
});

test('a release by someone who does not hold the task is not_assignee, naming the assignee or saying it is unassigned', async () => {
  const { holder, task } = await heldTask();
  const other = await env.factories.newOperator({ departmentIds: [department.id] });
  const refused = await release(other.token, task.id);
  expect(refused.status).toBe(400);
  expect(refused.headers.get('content-type')).toContain('application/problem+json');
  expect(refused.body).toMatchObject({ code: 'not_assignee', claim_id: expect.any(Number), claim: { action: 'release', status: 'rejected' } });
  expect(refused.body.detail).toContain(holder.username);
  const inChinese = await env.http('GET', `/api/claims/${refused.body.claim_id}`, { token: other.token, headers: { 'accept-language': 'zh' } });
  expect(inChinese.body.detail).toBe(`该任务由 ${holder.username} 认领，您无法释放`);

  const free = await env.factories.newTask({ departmentId: department.id });
  const unassigned = await release(other.token, free.id);
  expect(unassigned.body).toMatchObject({ code: 'not_assignee', detail: 'This task is not assigned to anyone, so there is nothing to release.' });
  expect(await assigneeOf(task.id)).toBe(holder.id);
  expect(await notificationsOf(other.id)).toEqual([]);
});

test('a task whose work started (in_progress) is task_not_releasable and stays with its assignee', async () => {
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const task = await env.factories.newTask({ departmentId: department.id, status: 'in_progress', assignedOperatorId: operator.id });
  const refused = await release(operator.token, task.id);
  expect(refused.status).toBe(400);
  expect(refused.body).toMatchObject({ code: 'task_not_releasable' });
  expect(await assigneeOf(task.id)).toBe(operator.id);
});

test('a release of a task deleted after acceptance is task_not_found; of a task that never existed, 404 at submission', async () => {
  const { holder, task } = await heldTask();
  let accepted!: Response;
  await whilePaused(env, async () => {
    accepted = await release(holder.token, task.id, {}, async);
    expect((await env.http('DELETE', `/api/admin/tasks/${task.id}`, { token: ADMIN_TOKEN })).status).toBe(204);
  });
  expect(await decided(accepted, holder.token)).toMatchObject({ status: 'rejected', code: 'task_not_found' });
  const missing = await release(holder.token, 987_654_321);
  expect(missing.status).toBe(404);
  expect(missing.body.code).toBe('task_not_found');
});

test('an Idempotency-Key replay of a release answers the original release; the same key for a claim is 422', async () => {
  const { holder, task } = await heldTask();
  const key = { 'idempotency-key': 'release-once' };
  const first = await release(holder.token, task.id, {}, key);
  expect(first.body.status).toBe('succeeded');
  const replay = await release(holder.token, task.id, {}, key);
  expect(replay.status).toBe(200);
  expect(replay.body).toMatchObject({ claim_id: first.body.claim_id, action: 'release', status: 'succeeded' });
  const asClaim = await env.factories.claim(holder.token, task.id, {}, key);
  expect(asClaim.status).toBe(422);
  expect(asClaim.body.code).toBe('idempotency_key_reused');
  expect(await env.db('claim_requests').where({ task_id: task.id, action: 'release' })).toHaveLength(1);
  expect(await notificationsOf(holder.id)).toEqual(['task_assigned', 'task_released']);
});

test('token rules and scope as for claims: operator_id of someone else 403, integration outside its departments 403, bad body 400', async () => {
  const { holder, task } = await heldTask();
  const other = await env.factories.newOperator({ departmentIds: [department.id] });
  expect((await release(other.token, task.id, { operator_id: holder.id })).status).toBe(403);
  const elsewhere = await env.factories.newDepartment();
  const integration = await env.factories.newToken({ kind: 'integration', name: 'MES elsewhere', department_ids: [elsewhere.id] });
  expect((await release(integration.token, task.id, { operator_id: holder.id })).status).toBe(403);
  const bad = await release(holder.token, task.id, { notes: 'x'.repeat(501), extra: true });
  expect(bad.status).toBe(400);
  expect(bad.body.code).toBe('validation_error');
  expect((await release(ADMIN_TOKEN, task.id)).body.code).toBe('validation_error'); // admin without operator_id
  expect(await assigneeOf(task.id)).toBe(holder.id);
});

test('an integration token releases for an operator of its departments, and its callback_url gets the signed claim.succeeded webhook', async () => {
  const receiver = await startReceiver();
  try {
    const { holder, task } = await heldTask();
    const integration = await env.factories.newToken({ kind: 'integration', name: 'MES', department_ids: [department.id], callback_hosts: ['127.0.0.1'] });
    const response = await release(integration.token, task.id, { operator_id: holder.id, callback_url: receiver.url });
    expect(response.body).toMatchObject({ action: 'release', status: 'succeeded' });
    await eventually(async () => (receiver.requests.length ? true : undefined));
    const event = JSON.parse(receiver.requests[0].body);
    expect(event).toMatchObject({ type: 'claim.succeeded', data: { claim_id: response.body.claim_id, action: 'release', task: { assigned_operator: null } } });
    expect(receiver.requests[0].headers['webhook-signature']).toMatch(/^v1,/);
  } finally {
    await receiver.close();
  }
});

test('every SPEC §6 invariant holds with releases in the mix', async () => {
  expectInvariants(await checkInvariants(env.db, { defaultLimit: env.config.MAX_ACTIVE_TASKS, firstComeFirstServed: true }));
});
