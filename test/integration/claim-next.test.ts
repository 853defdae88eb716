/**
 * POST /api/workorder-tasks/claim-next/ (SPEC §4 "Release and claim-next"): the worker picks the
 * oldest claimable task of the operator's departments that no earlier queued claim waits for.
 * Claim-next requests wait in a partition of their own (queue `claims-next`, global concurrency 1),
 * decided in acceptance order; the pick is FOR UPDATE SKIP LOCKED behind the task's accept lock.
 */
import { CLAIM_NEXT_PARTITION, partitionOf } from '@taskclaim/shared/queue';
import { claimsRepo } from '@taskclaim/shared/db';
import { checkInvariants } from '../../harness/invariants';
import { expectInvariants } from '../support/invariants';
import { decidedClaims } from '../support/races';
import { whilePaused } from '../support/paused-queues';
import { ADMIN_TOKEN, makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
beforeAll(async () => {
  env = await makeTestEnv({ CLAIM_PARTITIONS: '16' });
  await env.startWorker();
});
afterAll(() => env.close());

type Response = Awaited<ReturnType<TestEnv['http']>>;
const claimNext = (token: string, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  env.http('POST', '/api/workorder-tasks/claim-next/', { token, body, headers: { prefer: 'wait=20', ...headers } });
const async = { prefer: 'respond-async' };
const assigneeOf = async (taskId: number) => (await env.http('GET', `/api/workorder-tasks/${taskId}/`, { token: ADMIN_TOKEN })).body.assigned_operator?.id ?? null;

/** A department with `count` claimable tasks, oldest first. */
async function departmentWithTasks(count: number) {
  const department = await env.factories.newDepartment();
  const tasks: { id: number }[] = [];
  for (let i = 0; i < count; i++) tasks.push(await env.factories.newTask({ departmentId: department.id }));
  return { department, tasks };
}

test('the worker picks the oldest claimable task: 200 under Prefer: wait, with task_id and task, and one task_assigned notification', async () => {
  const { department, tasks } = await departmentWithTasks(3);
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const response = await claimNext(operator.token, { notes: 'whatever is next' });
  expect(response.status).toBe(200);
  expect(response.body).toMatchObject({ action: 'claim_next', status: 'succeeded', task_id: tasks[0].id, operator_id: operator.id, already_claimed: false });
  expect(response.body.task).toMatchObject({ id: tasks[0].id, assigned_operator: { id: operator.id } });
  expect(await env.db('notifications').where({ operator_id: operator.id }).pluck('type')).toEqual(['task_assigned']);
  const second = await claimNext(operator.token);
  expect(second.body.task_id).toBe(tasks[1].id);
});

test('accepted, not decided: 202 with task_id null and Location', async () => {
  const { department } = await departmentWithTasks(1);
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  await whilePaused(env, async () => {
    const accepted = await claimNext(operator.token, {}, async);
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ action: 'claim_next', status: 'queued', task_id: null });
    expect(accepted.headers.get('location')).toBe(`/api/claims/${accepted.body.claim_id}`);
  });
});

test('a burst of 40 claim-next requests from 40 operators over 50 tasks: 40 successes, 0 conflicts, 40 distinct tasks, oldest first in acceptance order', async () => {
  const { department, tasks } = await departmentWithTasks(50);
  const operators = await Promise.all(Array.from({ length: 40 }, () => env.factories.newOperator({ departmentIds: [department.id] })));
  const started = performance.now();
  const responses = await Promise.all(operators.map((operator) => claimNext(operator.token, {}, async)));
  expect(responses.map((response) => response.status)).toEqual(responses.map(() => 202));
  const rows = await decidedClaims(env, responses.map((response) => response.body.claim_id));
  const elapsedMs = Math.round(performance.now() - started);
  const succeeded = rows.filter((row) => row.status === 'succeeded');
  console.info(`claim-next burst: ${succeeded.length} of ${rows.length} succeeded, ${rows.length - succeeded.length} rejected, all decided in ${elapsedMs} ms`);
  expect(succeeded).toHaveLength(40);
  expect(new Set(rows.map((row) => row.task_id)).size).toBe(40);
  // decided in acceptance order, each taking the oldest task left
  expect(rows.map((row) => row.task_id)).toEqual(tasks.slice(0, 40).map((task) => task.id));
  for (const row of rows) expect(await assigneeOf(row.task_id)).toBe(row.operator_id);
});

/** An operator of `departmentId` holding `held` tasks (got through claim-next), with room for `room` more. */
async function operatorHolding(departmentId: number, held: number, room: number) {
  const operator = await env.factories.newOperator({ departmentIds: [departmentId], maxActiveTasks: held + room });
  for (let n = 0; n < held; n++) expect((await claimNext(operator.token)).body.status).toBe('succeeded');
  return operator;
}

test('one operator with room for 3 more presses Claim next 3 times at once: 3 successes, the 3 oldest tasks left, each distinct', async () => {
  const { department, tasks } = await departmentWithTasks(8);
  const operator = await operatorHolding(department.id, 3, 3);
  const responses = await Promise.all([1, 2, 3].map(() => claimNext(operator.token)));
  expect(responses.map((response) => [response.status, response.body.status])).toEqual(responses.map(() => [200, 'succeeded']));
  expect(responses.map((response) => response.body.task_id).sort((a, b) => a - b)).toEqual(tasks.slice(3, 6).map((task) => task.id));
  expect((await env.http('GET', '/api/workorder-tasks/mine/', { token: operator.token })).body).toMatchObject({ active_count: 6, limit: 6 });
  expect((await claimNext(operator.token)).body.code).toBe('capacity_reached');
});

test('End shift racing Claim next in one department: the End-shift operators end with nothing pending, and every Claim next press succeeds while never-held tasks cover them', async () => {
  // the bench's shift change in small: 4 operators hold 3 tasks each, 2 press End shift, 2 press Claim next 3 times, all at once
  const { department } = await departmentWithTasks(12 + 6);
  const operators = [];
  for (let n = 0; n < 4; n++) operators.push(await operatorHolding(department.id, 3, 7));
  const [enders, pressers] = [operators.slice(0, 2), operators.slice(2)];
  const releaseMine = (token: string) => env.http('POST', '/api/workorder-tasks/release-mine/', { token, body: {}, headers: { prefer: 'wait=20' } });
  const [ended, pressed] = await Promise.all([
    Promise.all(enders.map((operator) => releaseMine(operator.token))),
    Promise.all(pressers.flatMap((operator) => [1, 2, 3].map(() => claimNext(operator.token)))),
  ]);
  expect(ended.map((response) => [response.status, response.body.count])).toEqual([
    [200, 3],
    [200, 3],
  ]);
  expect(pressed.map((response) => response.body.status)).toEqual(pressed.map(() => 'succeeded'));
  expect(new Set(pressed.map((response) => response.body.task_id)).size).toBe(6);
  for (const operator of enders) expect((await env.http('GET', '/api/workorder-tasks/mine/', { token: operator.token })).body.active_count).toBe(0);
  for (const operator of pressers) expect((await env.http('GET', '/api/workorder-tasks/mine/', { token: operator.token })).body.active_count).toBe(6);
});

test('a claim-next never takes a task over an earlier explicit claim; a later explicit claim either wins its task first or finds it taken', async () => {
  const { department, tasks } = await departmentWithTasks(3);
  const [explicit, next, late] = await Promise.all([1, 2, 3].map(() => env.factories.newOperator({ departmentIds: [department.id] })));
  const responses: Response[] = [];
  await whilePaused(env, async () => {
    responses.push(await env.factories.claim(explicit.token, tasks[0].id, {}, async)); // the oldest task, claimed first
    responses.push(await claimNext(next.token, {}, async)); // must skip tasks[0]
    responses.push(await env.factories.claim(late.token, tasks[1].id, {}, async)); // accepted after the claim-next
  });
  const [first, picked, later] = await decidedClaims(env, responses.map((response) => response.body.claim_id));
  expect(first).toMatchObject({ status: 'succeeded', task_id: tasks[0].id });
  expect(picked).toMatchObject({ status: 'succeeded', operator_id: next.id });
  // Claim-next requests and task partitions are different queues: the later explicit claim's partition may be
  // decided before the claim-next (then the claim-next takes the next oldest task) or after it (then it lost its task).
  if (later.status === 'succeeded') expect(picked.task_id).toBe(tasks[2].id);
  else expect({ picked: picked.task_id, later: later.code }).toEqual({ picked: tasks[1].id, later: 'already_claimed' });
});

test('a task whose explicit claim is still being inserted (its accept lock held, its smaller id drawn) is passed over, never waited for', async () => {
  const { department, tasks } = await departmentWithTasks(2);
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const inserting = await env.db.transaction();
  try {
    // what insertClaims does for an explicit claim of tasks[0] before its commit
    await inserting.raw('SELECT pg_advisory_xact_lock(?, ?)', [claimsRepo.ACCEPT_LOCK_NAMESPACE, tasks[0].id]);
    await inserting.raw(`SELECT nextval('claim_requests_id_seq')`);
    const picked = await claimNext(operator.token);
    expect(picked.body).toMatchObject({ status: 'succeeded', task_id: tasks[1].id });
  } finally {
    await inserting.rollback();
  }
  expect(await assigneeOf(tasks[0].id)).toBeNull();
});

test('at the capacity limit under concurrency: claim-next and claims of one operator in many partitions together succeed exactly up to the limit', async () => {
  const { department, tasks } = await departmentWithTasks(16);
  const operator = await env.factories.newOperator({ departmentIds: [department.id], maxActiveTasks: 3 });
  // explicit claims on the newest tasks, in distinct partitions, fired with claim-next requests at once
  const partitions = new Set<number>();
  const explicitTasks = [...tasks].reverse().filter((task) => !partitions.has(partitionOf(task.id, 16)) && partitions.add(partitionOf(task.id, 16))).slice(0, 5);
  const responses = await Promise.all([
    ...Array.from({ length: 6 }, () => claimNext(operator.token, {}, async)),
    ...explicitTasks.map((task) => env.factories.claim(operator.token, task.id, {}, async)),
  ]);
  const rows = await decidedClaims(env, responses.map((response) => response.body.claim_id));
  expect(rows.filter((row) => row.status === 'succeeded')).toHaveLength(3);
  expect(rows.filter((row) => row.code === 'capacity_reached')).toHaveLength(rows.length - 3);
  expect((await env.http('GET', '/api/workorder-tasks/mine/', { token: operator.token })).body).toMatchObject({ active_count: 3, limit: 3 });
  expect((await claimNext(operator.token)).body).toMatchObject({ code: 'capacity_reached', detail: expect.stringContaining('3') });
});

test('nothing left to pick is no_claimable_task; a deactivated operator is operator_inactive', async () => {
  const { department } = await departmentWithTasks(0);
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const none = await claimNext(operator.token);
  expect(none.status).toBe(400);
  expect(none.body).toMatchObject({ code: 'no_claimable_task', claim: { action: 'claim_next', task_id: null, status: 'rejected' } });
  const inactive = await env.factories.newOperator({ departmentIds: [department.id], active: false });
  expect((await claimNext(ADMIN_TOKEN, { operator_id: inactive.id })).body.code).toBe('operator_inactive');
});

test('department_id narrows the pick; one that is not the operator’s, or outside an integration’s departments, is 400 validation_error', async () => {
  const a = await departmentWithTasks(1);
  const b = await departmentWithTasks(1);
  const operator = await env.factories.newOperator({ departmentIds: [a.department.id, b.department.id] });
  expect((await claimNext(operator.token, { department_id: b.department.id })).body.task_id).toBe(b.tasks[0].id);
  const stranger = await env.factories.newDepartment();
  const refused = await claimNext(operator.token, { department_id: stranger.id });
  expect(refused.status).toBe(400);
  expect(refused.body).toMatchObject({ code: 'validation_error', errors: [{ path: 'body.department_id' }] });

  const integration = await env.factories.newToken({ kind: 'integration', name: 'MES of A', department_ids: [a.department.id] });
  const outside = await claimNext(integration.token, { operator_id: operator.id, department_id: b.department.id });
  expect(outside.status).toBe(400);
  expect(outside.body.code).toBe('validation_error');
  // without department_id an integration picks only inside its own departments
  const c = await env.factories.newTask({ departmentId: b.department.id });
  const inside = await claimNext(integration.token, { operator_id: operator.id });
  expect(inside.body).toMatchObject({ status: 'succeeded', task_id: a.tasks[0].id });
  expect(await assigneeOf(c.id)).toBeNull();
  for (const body of [{ department_id: 'x' }, { department_id: 0 }, { task_id: 1 }]) {
    const bad = await claimNext(operator.token, body);
    expect([JSON.stringify(body), bad.status, bad.body.code]).toEqual([JSON.stringify(body), 400, 'validation_error']);
  }
});

test('an Idempotency-Key replay of a claim-next answers the original request with the task it got; another body with the key is 422', async () => {
  const { department, tasks } = await departmentWithTasks(2);
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const key = { 'idempotency-key': 'next-please-1' };
  const first = await claimNext(operator.token, {}, key);
  const replay = await claimNext(operator.token, {}, key);
  expect(replay.status).toBe(200);
  expect(replay.body).toMatchObject({ claim_id: first.body.claim_id, task_id: tasks[0].id, status: 'succeeded' });
  expect((await claimNext(operator.token, { department_id: department.id }, key)).status).toBe(422);
  expect(await assigneeOf(tasks[1].id)).toBeNull();
  expect(await env.db('claim_requests').where({ operator_id: operator.id })).toHaveLength(1);
});

test('a claim-next request stored but never enqueued (the API died in between) is enqueued by the reconciler and decided', async () => {
  const { department, tasks } = await departmentWithTasks(1);
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const [{ id }] = await env.db('claim_requests')
    .insert({ action: 'claim_next', task_id: null, operator_id: operator.id, partition: CLAIM_NEXT_PARTITION, submitted_at: env.db.raw(`now() - interval '1 minute'`) })
    .returning('id');
  const [row] = await decidedClaims(env, [id]);
  expect(row).toMatchObject({ status: 'succeeded', task_id: tasks[0].id });
});

test('every SPEC §6 invariant holds with claim-next in the mix', async () => {
  expectInvariants(await checkInvariants(env.db, { defaultLimit: env.config.MAX_ACTIVE_TASKS, firstComeFirstServed: true }));
});

describe('CLAIM_DISPATCH=inline', () => {
  let inline: TestEnv;
  beforeAll(async () => {
    inline = await makeTestEnv({ CLAIM_DISPATCH: 'inline' });
  });
  afterAll(() => inline?.close());

  test('a claim-next is decided in the storing transaction, and a burst still ends with one distinct task each', async () => {
    const department = await inline.factories.newDepartment();
    for (let i = 0; i < 12; i++) await inline.factories.newTask({ departmentId: department.id });
    const operators = await Promise.all(Array.from({ length: 10 }, () => inline.factories.newOperator({ departmentIds: [department.id] })));
    const responses = await Promise.all(operators.map((operator) => inline.http('POST', '/api/workorder-tasks/claim-next/', { token: operator.token, body: {} })));
    expect(responses.map((response) => [response.status, response.body.status])).toEqual(responses.map(() => [200, 'succeeded']));
    expect(new Set(responses.map((response) => response.body.task_id)).size).toBe(10);
    expectInvariants(await checkInvariants(inline.db, { defaultLimit: inline.config.MAX_ACTIVE_TASKS, firstComeFirstServed: true }));
  });

  test('one operator with room for 3 more presses Claim next 3 times at once: 3 successes on 3 distinct tasks', async () => {
    const department = await inline.factories.newDepartment();
    for (let i = 0; i < 8; i++) await inline.factories.newTask({ departmentId: department.id });
    const operator = await inline.factories.newOperator({ departmentIds: [department.id], maxActiveTasks: 6 });
    const press = () => inline.http('POST', '/api/workorder-tasks/claim-next/', { token: operator.token, body: {} });
    for (let n = 0; n < 3; n++) expect((await press()).body.status).toBe('succeeded');
    const responses = await Promise.all([1, 2, 3].map(press));
    expect(responses.map((response) => [response.status, response.body.status])).toEqual(responses.map(() => [200, 'succeeded']));
    expect(new Set(responses.map((response) => response.body.task_id)).size).toBe(3);
    expect((await press()).body.code).toBe('capacity_reached');
  });
});
