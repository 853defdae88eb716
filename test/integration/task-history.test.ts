/**
 * GET /api/workorder-tasks/{id}/claims/ (SPEC §4): a task's claim and release requests, oldest
 * first, paginated like the other lists; admins and integrations of the task's department see all
 * of them, an operator only its own (SPEC §4 Scope).
 */
import { pauseClaimQueues } from '../support/paused-queues';
import { ADMIN_TOKEN, eventually, makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
let task: { id: number };
let operators: { id: number; token: string }[];
let claimIds: number[];
beforeAll(async () => {
  env = await makeTestEnv();
  await env.startWorker();
  const department = await env.factories.newDepartment();
  operators = await Promise.all([1, 2, 3].map(() => env.factories.newOperator({ departmentIds: [department.id] })));
  task = await env.factories.newTask({ departmentId: department.id });
  const [a, b, c] = operators;
  // a wins, b loses, a releases, c wins: five requests in this order
  claimIds = [];
  for (const [operator, path] of [[a, 'claim'], [b, 'claim'], [a, 'release'], [c, 'claim'], [b, 'release']] as const) {
    const response = await env.http('POST', `/api/workorder-tasks/${task.id}/${path}/`, { token: operator.token, body: {}, headers: { prefer: 'wait=20' } });
    claimIds.push(response.body.claim_id);
  }
});
afterAll(() => env.close());

const history = (token: string, query = '', headers: Record<string, string> = {}) =>
  env.http('GET', `/api/workorder-tasks/${task.id}/claims/${query}`, { token, headers });

test('an admin sees every request of the task, oldest first, each a claim resource with its action and outcome', async () => {
  const response = await history(ADMIN_TOKEN);
  expect(response.status).toBe(200);
  expect(response.body).toMatchObject({ count: 5, page: 1, page_size: 20, next: null, previous: null });
  expect(response.body.results.map((claim: { claim_id: number }) => claim.claim_id)).toEqual(claimIds);
  expect(response.body.results.map((claim: { action: string; status: string; code: string | null }) => [claim.action, claim.status, claim.code])).toEqual([
    ['claim', 'succeeded', null],
    ['claim', 'rejected', 'already_claimed'],
    ['release', 'succeeded', null],
    ['claim', 'succeeded', null],
    ['release', 'rejected', 'not_assignee'],
  ]);
  expect(response.body.results[0]).toMatchObject({ task_id: task.id, operator_id: operators[0].id, task: { id: task.id } });
});

test('each entry shows the task as it was right after that request was decided, not as it is now', async () => {
  const [a, , c] = operators;
  const response = await history(ADMIN_TOKEN);
  const holders = response.body.results.map((claim: { assigned_operator: { id: number } | null; task: { assigned_operator: { id: number } | null } }) => [
    claim.assigned_operator?.id ?? null,
    claim.task.assigned_operator?.id ?? null,
  ]);
  // a wins; b's loss sees a; a's release leaves it free; c wins; b's refused release sees c
  expect(holders).toEqual([[a.id, a.id], [a.id, a.id], [null, null], [c.id, c.id], [c.id, c.id]]);
  // laid out as the task resource is, whatever order the stored snapshot's keys come back in
  const current = await env.http('GET', `/api/workorder-tasks/${task.id}/`, { token: ADMIN_TOKEN });
  expect(Object.keys(response.body.results[0].task)).toEqual(Object.keys(current.body));
  expect(Object.keys(response.body.results[0].assigned_operator)).toEqual(Object.keys(current.body.assigned_operator));
});

test('requests decided together in one transaction each keep their own moment', async () => {
  const [a, b] = operators;
  const department = (await env.http('GET', `/api/workorder-tasks/${task.id}/`, { token: ADMIN_TOKEN })).body.assigned_department.id;
  const shared = await env.factories.newTask({ departmentId: department });
  const submit = (operator: { token: string }, path: string) =>
    env.http('POST', `/api/workorder-tasks/${shared.id}/${path}/`, { token: operator.token, body: {}, headers: { prefer: 'respond-async' } });
  // Held while queued, the three are decided in one batch: a claims, a releases, b claims.
  const resume = await pauseClaimQueues(env.api.queues.queues);
  try {
    for (const [operator, path] of [[a, 'claim'], [a, 'release'], [b, 'claim']] as const) expect((await submit(operator, path)).status).toBe(202);
  } finally {
    await resume();
  }
  const decided = await eventually(async () => {
    const response = await env.http('GET', `/api/workorder-tasks/${shared.id}/claims/`, { token: ADMIN_TOKEN });
    return response.body.results.every((claim: { status: string }) => claim.status !== 'queued') ? response.body.results : undefined;
  }, 20_000, 'the three requests to be decided');
  expect(decided.map((claim: { action: string; status: string; task: { assigned_operator: { id: number } | null } }) => [claim.action, claim.status, claim.task.assigned_operator?.id ?? null])).toEqual([
    ['claim', 'succeeded', a.id],
    ['release', 'succeeded', null],
    ['claim', 'succeeded', b.id],
  ]);
});

test('pages carry relative next and previous links', async () => {
  const first = await history(ADMIN_TOKEN, '?page_size=2');
  expect(first.body).toMatchObject({ count: 5, page: 1, page_size: 2, previous: null, next: `/api/workorder-tasks/${task.id}/claims/?page_size=2&page=2` });
  const second = await env.http('GET', first.body.next, { token: ADMIN_TOKEN });
  expect(second.body.results.map((claim: { claim_id: number }) => claim.claim_id)).toEqual(claimIds.slice(2, 4));
  expect(second.body.previous).toBe(`/api/workorder-tasks/${task.id}/claims/?page_size=2&page=1`);
  const last = await history(ADMIN_TOKEN, '?page=3&page_size=2');
  expect(last.body.next).toBeNull();
  expect(last.body.results).toHaveLength(1);
});

test('an operator token sees only its own requests, in the language it asks for', async () => {
  const response = await history(operators[1].token, '', { 'accept-language': 'zh' });
  expect(response.body.count).toBe(2);
  expect(response.body.results.map((claim: { claim_id: number }) => claim.claim_id)).toEqual([claimIds[1], claimIds[4]]);
  expect(response.body.results[0].detail).toMatch(/[\u4e00-\u9fff]/);
  const stranger = await env.factories.newOperator();
  // SPEC §4 Scope: a task outside the operator's departments and not assigned to it does not exist for it.
  expect((await history(stranger.token)).body).toMatchObject({ status: 404, code: 'task_not_found' });
});

test("an integration token of the task's department sees all; one of another department gets 404 task_not_found", async () => {
  const taskOf = await env.http('GET', `/api/workorder-tasks/${task.id}/`, { token: ADMIN_TOKEN });
  const inside = await env.factories.newToken({ kind: 'integration', name: 'MES', department_ids: [taskOf.body.assigned_department.id] });
  expect((await history(inside.token)).body.count).toBe(5);
  const elsewhere = await env.factories.newDepartment();
  const outside = await env.factories.newToken({ kind: 'integration', name: 'other MES', department_ids: [elsewhere.id] });
  const refused = await history(outside.token);
  expect(refused.status).toBe(404);
  expect(refused.body.code).toBe('task_not_found');
});

test('bad input is a clear 400, an unknown task 404, no token 401', async () => {
  for (const query of ['?page=0', '?page_size=101', '?page=abc']) {
    const response = await history(ADMIN_TOKEN, query);
    expect([query, response.status, response.body.code]).toEqual([query, 400, 'validation_error']);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  }
  expect((await env.http('GET', '/api/workorder-tasks/0/claims/', { token: ADMIN_TOKEN })).status).toBe(400);
  expect((await env.http('GET', '/api/workorder-tasks/99999999/claims/', { token: ADMIN_TOKEN })).body.code).toBe('task_not_found');
  expect((await env.http('GET', `/api/workorder-tasks/${task.id}/claims/`)).status).toBe(401);
});
