import {
  ClaimRejectedError,
  ClaimWaitTimeoutError,
  TaskclaimApiError,
  createTaskclaimClient,
  type TaskclaimClient,
  type TaskclaimClientOptions,
} from '@taskclaim/client';
import { makeConformingFetch } from '../support/openapi-conformance';
import { whilePaused } from '../support/paused-queues';
import { ADMIN_TOKEN, makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
/** every answer the SDK gets is checked against the served OpenAPI document */
let conformingFetch: typeof fetch;
let admin: TaskclaimClient;
beforeAll(async () => {
  env = await makeTestEnv();
  await env.startWorker();
  conformingFetch = makeConformingFetch((await env.http('GET', '/openapi.json')).body);
  admin = client(ADMIN_TOKEN);
});
afterAll(() => env.close());

const client = (token: string, options: Partial<TaskclaimClientOptions> = {}) =>
  createTaskclaimClient({ baseUrl: env.baseUrl, token, fetch: conformingFetch, ...options });

/** A department with operators (and their SDK clients) and claimable tasks, made through the SDK's admin helpers. */
async function arrange({ operators = 1, tasks = 1 } = {}) {
  const departmentId = env.factories.nextId();
  await admin.upsertDepartment(departmentId, { name: `Department ${departmentId}` });
  const people = [];
  for (let i = 0; i < operators; i++) {
    const id = env.factories.nextId();
    await admin.upsertOperator(id, { username: `sdk${id}`, first_name: 'Li', last_name: `Wei${id}`, department_ids: [departmentId] });
    const { token } = await admin.createToken({ kind: 'operator', name: `token of ${id}`, operator_id: id });
    people.push({ id, token, client: client(token) });
  }
  const taskIds = Array.from({ length: tasks }, () => env.factories.nextId());
  await admin.upsertTasks(
    taskIds.map((id) => ({
      id,
      work_order: { id: id + 500_000, order_number: `WO-${id}` },
      work_content: `Task ${id}`,
      status: 'pending' as const,
      assigned_department_id: departmentId,
    })),
  );
  return { departmentId, operators: people, taskIds };
}

test('claimTask with wait succeeds; the same task claimed by another operator throws ClaimRejectedError already_claimed', async () => {
  const { operators, taskIds } = await arrange({ operators: 2 });
  const [winner, loser] = operators;

  const claim = await winner.client.claimTask(taskIds[0], { notes: 'on it', wait: 20 });
  expect(claim).toMatchObject({ status: 'succeeded', already_claimed: false, task_id: taskIds[0], operator_id: winner.id, notes: 'on it' });
  expect(claim.task?.assigned_operator?.id).toBe(winner.id);

  const rejection = await loser.client.claimTask(taskIds[0], { wait: 20 }).catch((error: unknown) => error);
  expect(rejection).toBeInstanceOf(ClaimRejectedError);
  expect(rejection).toBeInstanceOf(TaskclaimApiError);
  const rejected = rejection as ClaimRejectedError;
  expect(rejected).toMatchObject({ status: 400, code: 'already_claimed', claimId: expect.any(Number) });
  expect(rejected.detail).toBe(`This task has already been claimed by sdk${winner.id}.`);
  expect(rejected.claim).toMatchObject({ claim_id: rejected.claimId, status: 'rejected', operator_id: loser.id });

  // the same rejection read in Chinese
  const inChinese = client(loser.token, { language: 'zh-CN' });
  const again = (await inChinese.claimTask(taskIds[0], { wait: 20 }).catch((error: unknown) => error)) as ClaimRejectedError;
  expect(again.code).toBe('already_claimed');
  expect(again.detail).toBe(`该任务已被 sdk${winner.id} 认领，无法重复认领`);
});

test('claimTask without wait is queued (202); waitForClaim long-polls it to its decision', async () => {
  const { operators, taskIds } = await arrange();
  const [operator] = operators;
  const queued = await whilePaused(env, () => operator.client.claimTask(taskIds[0]));
  expect(queued).toMatchObject({ status: 'queued', code: null, completed_at: null, task_id: taskIds[0] });

  const decided = await operator.client.waitForClaim(queued.claim_id, { timeoutMs: 20_000 });
  expect(decided).toMatchObject({ claim_id: queued.claim_id, status: 'succeeded', completed_at: expect.any(String) });
  expect(await operator.client.getClaim(queued.claim_id)).toMatchObject({ status: 'succeeded' });
  expect((await operator.client.getMyTasks()).results.map((task) => task.id)).toEqual(taskIds);
  const notifications = await operator.client.getNotifications();
  expect(notifications).toMatchObject({ count: 1, results: [{ type: 'task_assigned', task_id: taskIds[0] }] });
});

test('waitForClaim throws ClaimRejectedError when the claim is decided against a rule', async () => {
  const { operators, taskIds } = await arrange({ operators: 2 });
  await operators[0].client.claimTask(taskIds[0], { wait: 20 });
  const queued = await whilePaused(env, () => operators[1].client.claimTask(taskIds[0]));
  const error = await operators[1].client.waitForClaim(queued.claim_id, { timeoutMs: 20_000 }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ClaimRejectedError);
  expect(error).toMatchObject({ code: 'already_claimed', claimId: queued.claim_id, claim: { status: 'rejected' } });
});

test('getClaimableTasks paginates, oldest first', async () => {
  const { operators, taskIds } = await arrange({ tasks: 5 });
  const [operator] = operators;
  const first = await operator.client.getClaimableTasks({ pageSize: 2 });
  expect(first).toMatchObject({ count: 5, claimable_count: 5, page: 1, page_size: 2, previous: null, next: expect.stringContaining('page=2') });
  const second = await operator.client.getClaimableTasks({ page: 2, pageSize: 2 });
  const last = await operator.client.getClaimableTasks({ page: 3, pageSize: 2 });
  expect(last).toMatchObject({ page: 3, next: null, previous: expect.stringContaining('page=2') });
  expect([first, second, last].flatMap((page) => page.results.map((task) => task.id))).toEqual(taskIds);

  const invalid = await operator.client.getClaimableTasks({ pageSize: 101 }).catch((error: unknown) => error);
  expect(invalid).toBeInstanceOf(TaskclaimApiError);
  expect(invalid).toMatchObject({ status: 400, code: 'validation_error', errors: [{ path: 'query.page_size', message: 'must be at most 100' }] });
});

test('the SDK sends idempotencyKey as Idempotency-Key, wait as Prefer, the token as a bearer', async () => {
  const { operators, taskIds } = await arrange();
  const sent: Headers[] = [];
  const recording: typeof fetch = (input, init) => {
    sent.push(new Headers(init?.headers));
    return conformingFetch(input, init);
  };
  const operator = client(operators[0].token, { fetch: recording });
  await operator.claimTask(taskIds[0], { idempotencyKey: 'shift-start-0042', wait: 15, notes: 'once' });
  expect(sent).toHaveLength(1);
  expect(sent[0].get('idempotency-key')).toBe('shift-start-0042');
  expect(sent[0].get('prefer')).toBe('wait=15');
  expect(sent[0].get('authorization')).toBe(`Bearer ${operators[0].token}`);
  expect(sent[0].get('content-type')).toBe('application/json');

  await operator.claimTask(taskIds[0]);
  expect(sent[1].has('idempotency-key')).toBe(false);
  expect(sent[1].has('prefer')).toBe(false);
});

test('admin helpers: upserts report the stored resource, deleteTask and revokeToken take effect, errors are typed', async () => {
  const departmentId = env.factories.nextId();
  expect(await admin.upsertDepartment(departmentId, { name: 'Paint shop' })).toEqual({ id: departmentId, name: 'Paint shop', claim_lease_seconds: null });
  expect(await admin.upsertDepartment(departmentId, { name: 'Paint shop 2' })).toEqual({ id: departmentId, name: 'Paint shop 2', claim_lease_seconds: null });

  const operatorId = env.factories.nextId();
  const operator = await admin.upsertOperator(operatorId, { username: `admin-sdk${operatorId}`, department_ids: [departmentId], max_active_tasks: 3 });
  expect(operator).toMatchObject({ id: operatorId, department_ids: [departmentId], max_active_tasks: 3, active: true });

  const taskId = env.factories.nextId();
  const task = await admin.upsertTask(taskId, {
    work_order: { id: taskId + 500_000, order_number: `WO-${taskId}` },
    work_content: 'Paint the frame',
    status: 'pending',
    assigned_department_id: departmentId,
  });
  expect(task).toMatchObject({ id: taskId, work_content: 'Paint the frame', assigned_department: { id: departmentId, name: 'Paint shop 2' } });
  expect(
    await admin.upsertTasks([
      { id: taskId, work_order: { id: taskId + 500_000, order_number: `WO-${taskId}` }, work_content: 'Paint it twice', status: 'in_progress', assigned_department_id: departmentId },
      { id: taskId + 1_000_000, work_order: { id: taskId + 500_000, order_number: `WO-${taskId}` }, work_content: 'Dry', status: 'pending', assigned_department_id: departmentId },
    ]),
  ).toEqual({ count: 2, created: 1, updated: 1 });
  expect(await admin.getTask(taskId)).toMatchObject({ work_content: 'Paint it twice', status: 'in_progress' });

  await admin.deleteTask(taskId);
  await expect(admin.getTask(taskId)).rejects.toMatchObject({ name: 'TaskclaimApiError', status: 404, code: 'task_not_found' });
  await expect(admin.deleteTask(taskId)).rejects.toMatchObject({ status: 404, code: 'task_not_found' });

  const integration = await admin.createToken({ kind: 'integration', name: 'MES', department_ids: [departmentId], callback_hosts: ['mes.example.com'] });
  expect(integration).toMatchObject({ kind: 'integration', name: 'MES', token: expect.stringMatching(/^tc_/), webhook_secret: expect.stringMatching(/^whsec_/) });
  const mes = client(integration.token);
  expect(await mes.getMyTasks({ operatorId })).toMatchObject({ active_count: 0, limit: 3 });
  await admin.revokeToken(integration.id);
  await expect(mes.getMyTasks({ operatorId })).rejects.toMatchObject({ status: 401, code: 'unauthorized' });

  const invalid = await admin.upsertOperator(env.factories.nextId(), { username: '', department_ids: [] }).catch((error: unknown) => error);
  expect(invalid).toBeInstanceOf(TaskclaimApiError);
  expect(invalid).not.toBeInstanceOf(ClaimRejectedError);
  expect(invalid).toMatchObject({ status: 400, code: 'validation_error', errors: [expect.objectContaining({ path: 'body.username' })] });
});

test('waitForClaim stops when its signal aborts, and throws ClaimWaitTimeoutError when the claim is not decided in time', async () => {
  const { operators, taskIds } = await arrange();
  const [operator] = operators;
  await whilePaused(env, async () => {
    const queued = await operator.client.claimTask(taskIds[0]);

    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 300);
    const aborted = await operator.client.waitForClaim(queued.claim_id, { timeoutMs: 20_000, signal: controller.signal }).catch((error: unknown) => error);
    expect(aborted).toMatchObject({ name: 'AbortError' });
    // stopped by the abort, not by its 20 s timeout: half of that is room enough for a loaded machine
    expect(Date.now() - started).toBeLessThan(10_000);

    const timedOut = await operator.client.waitForClaim(queued.claim_id, { timeoutMs: 1_500 }).catch((error: unknown) => error);
    expect(timedOut).toBeInstanceOf(ClaimWaitTimeoutError);
    expect(timedOut).toMatchObject({ claimId: queued.claim_id, claim: { status: 'queued' } });
  });
});

test('waitForClaim backs off on 429 and 503, honouring Retry-After', async () => {
  const { operators, taskIds } = await arrange();
  const [operator] = operators;
  const claim = await operator.client.claimTask(taskIds[0], { wait: 20 });
  const answers = [
    new Response(JSON.stringify({ type: 'about:blank', title: 'Too many requests', status: 429, detail: 'slow down', code: 'rate_limited' }), {
      status: 429,
      headers: { 'content-type': 'application/problem+json', 'retry-after': '1' },
    }),
    new Response(JSON.stringify({ type: 'about:blank', title: 'Unavailable', status: 503, detail: 'Redis is down', code: 'service_unavailable' }), {
      status: 503,
      headers: { 'content-type': 'application/problem+json', 'retry-after': '1' },
    }),
  ];
  const calls: number[] = [];
  const flaky: typeof fetch = (input, init) => {
    calls.push(Date.now());
    const answer = answers.shift();
    return answer ? Promise.resolve(answer) : conformingFetch(input, init);
  };
  const started = Date.now();
  const decided = await client(operator.token, { fetch: flaky }).waitForClaim(claim.claim_id, { timeoutMs: 20_000 });
  expect(decided.status).toBe('succeeded');
  expect(calls).toHaveLength(3);
  expect(calls[1] - calls[0]).toBeGreaterThanOrEqual(950);
  expect(calls[2] - calls[1]).toBeGreaterThanOrEqual(950);
  // two Retry-After: 1 waits and a decided claim: no back-off of its own on top, with room for a loaded machine
  expect(Date.now() - started).toBeLessThan(10_000);
});

describe('release, claim-next, history and live events', () => {
  test('claimNext gets the oldest task, releaseTask gives it back, getTaskHistory lists both, and rejections throw ClaimRejectedError', async () => {
    const { departmentId, operators, taskIds } = await arrange({ operators: 2, tasks: 2 });
    const [me, other] = operators;
    const picked = await me.client.claimNext({ wait: 20, departmentId, notes: 'next one' });
    expect(picked).toMatchObject({ action: 'claim_next', status: 'succeeded', task_id: taskIds[0] });
    await expect(other.client.releaseTask(taskIds[0], { wait: 20 })).rejects.toMatchObject({ name: 'ClaimRejectedError', code: 'not_assignee' });
    const released = await me.client.releaseTask(taskIds[0], { wait: 20, idempotencyKey: 'sdk-release-1' });
    expect(released).toMatchObject({ action: 'release', status: 'succeeded', assigned_operator: null });
    const history = await admin.getTaskHistory(taskIds[0], { pageSize: 10 });
    expect(history.results.map((claim) => [claim.action, claim.status])).toEqual([
      ['claim_next', 'succeeded'],
      ['release', 'rejected'],
      ['release', 'succeeded'],
    ]);
    expect((await other.client.getTaskHistory(taskIds[0])).count).toBe(1);
    const queued = await me.client.claimNext();
    expect(queued).toMatchObject({ status: 'queued', task_id: null });
    expect(await me.client.waitForClaim(queued.claim_id)).toMatchObject({ status: 'succeeded', task_id: taskIds[0] });
    await expect(me.client.claimNext({ wait: 20, departmentId: departmentId + 1_000_000 })).rejects.toMatchObject({ status: 400, code: 'validation_error' });
  });

  test('subscribe says when the stream is open, yields typed live events until aborted, and throws TaskclaimApiError for a bad token', async () => {
    const { operators, taskIds } = await arrange({ operators: 1, tasks: 1 });
    const [me] = operators;
    // a stream never ends, so it is read through the plain fetch (the conformance check reads whole bodies)
    const live = createTaskclaimClient({ baseUrl: env.baseUrl, token: me.token });
    const controller = new AbortController();
    const received: { event: string; id: string }[] = [];
    const comments: string[] = [];
    let opened!: () => void;
    const open = new Promise<void>((resolve) => (opened = resolve));
    const reading = (async () => {
      for await (const event of live.subscribe({ signal: controller.signal, onOpen: opened, onComment: (text) => comments.push(text) })) {
        received.push(event);
        if (event.event === 'task.claimed') expect(event.data).toEqual({ task_id: taskIds[0], operator_id: me.id, username: `sdk${me.id}`, claim_id: expect.any(Number) });
        if (event.event === 'claim.decided') {
          expect(event.data.status).toBe('succeeded');
          controller.abort();
        }
      }
    })();
    await open;
    await me.client.claimTask(taskIds[0], { wait: 20 });
    await reading;
    expect(received.map((event) => event.event)).toEqual(['task.claimed', 'claim.decided']);
    expect(comments[0]).toBe('connected');
    expect(received.every((event) => event.id.length > 0)).toBe(true);

    const refused = createTaskclaimClient({ baseUrl: env.baseUrl, token: 'tc_not-a-token' }).subscribe();
    await expect(refused.next()).rejects.toMatchObject({ name: 'TaskclaimApiError', status: 401, code: 'unauthorized' });
  });
});

test('dispatch: the typed dispatch fields, startTask, reassignTask (naming previous_operator_id) and releaseMine', async () => {
  const { departmentId, operators, taskIds } = await arrange({ operators: 2, tasks: 3 });
  const [holder, other] = operators;
  const urgent = await admin.upsertTask(taskIds[2], {
    work_order: { id: taskIds[2] + 500_000, order_number: `WO-${taskIds[2]}` },
    work_content: 'Rush order',
    status: 'pending',
    assigned_department_id: departmentId,
    priority: 95,
    due_at: '2026-12-04T16:00:00Z',
    required_skills: [],
  });
  expect(urgent).toMatchObject({ priority: 95, due_at: '2026-12-04T16:00:00.000Z', required_skills: [], claimed_at: null, lease_expires_at: null });
  const page = await holder.client.getClaimableTasks();
  expect(page.results[0].id).toBe(taskIds[2]);

  for (const taskId of taskIds) await holder.client.claimTask(taskId, { wait: 20 });
  const started = await holder.client.startTask(taskIds[0], { wait: 20 });
  expect(started).toMatchObject({ action: 'start', status: 'succeeded', task: { status: 'in_progress' } });
  const moved = await admin.reassignTask(taskIds[1], { operatorId: other.id, wait: 20 });
  expect(moved).toMatchObject({ action: 'reassign', operator_id: other.id, previous_operator_id: holder.id });
  const handover = await holder.client.releaseMine({ wait: 20, idempotencyKey: 'sdk-shift-end' });
  expect(handover.count).toBe(1);
  expect(handover.results[0]).toMatchObject({ action: 'release', status: 'succeeded', task_id: taskIds[2] });
  expect((await holder.client.releaseMine({ idempotencyKey: 'sdk-shift-end' })).results[0].claim_id).toBe(handover.results[0].claim_id);
  const rejection = await other.client.startTask(taskIds[0], { wait: 20 }).catch((error: unknown) => error);
  expect(rejection).toBeInstanceOf(ClaimRejectedError);
  expect((rejection as ClaimRejectedError).code).toBe('not_assignee');
});
