import { eventually, makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
let department: { id: number };
beforeAll(async () => {
  env = await makeTestEnv();
  await env.startWorker();
  department = await env.factories.newDepartment();
});
afterAll(() => env.close());

const claimCount = async () => Number((await env.db('claim_requests').count({ n: '*' }))[0].n);
const post = (token: string, taskId: number, key: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  env.http('POST', `/api/workorder-tasks/${taskId}/claim/`, { token, body, headers: { 'idempotency-key': key, ...headers } });

test('a replay with the same key and body returns the original claim, answered as a new request would be', async () => {
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const task = await env.factories.newTask({ departmentId: department.id });
  const before = await claimCount();
  const first = await post(operator.token, task.id, 'shift-7-claim-1', { notes: 'once' });
  expect(first.status).toBe(202);
  const replay = await post(operator.token, task.id, 'shift-7-claim-1', { notes: 'once' });
  expect(replay.status).toBe(202);
  expect(replay.body.claim_id).toBe(first.body.claim_id);
  expect(replay.headers.get('location')).toBe(`/api/claims/${first.body.claim_id}`);
  const waited = await post(operator.token, task.id, 'shift-7-claim-1', { notes: 'once' }, { prefer: 'wait=10' });
  expect(waited.status).toBe(200);
  expect(waited.body).toMatchObject({ claim_id: first.body.claim_id, status: 'succeeded' });
  expect(waited.headers.get('preference-applied')).toBe('wait=10');
  expect(await claimCount()).toBe(before + 1);
  expect(await env.db('notifications').where({ task_id: task.id })).toHaveLength(1);
});

test('the same key with a different body is refused with 422 and changes nothing', async () => {
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const task = await env.factories.newTask({ departmentId: department.id });
  const other = await env.factories.newTask({ departmentId: department.id });
  await post(operator.token, task.id, 'k-different', { notes: 'first' });
  const before = await claimCount();
  for (const [taskId, body] of [
    [task.id, { notes: 'second' }],
    [other.id, { notes: 'first' }],
  ] as const) {
    const reused = await post(operator.token, taskId, 'k-different', body);
    expect(reused.status).toBe(422);
    expect(reused.headers.get('content-type')).toContain('application/problem+json');
    expect(reused.body.code).toBe('idempotency_key_reused');
  }
  expect(await claimCount()).toBe(before);
});

test('twenty concurrent requests with one key make one claim', async () => {
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const task = await env.factories.newTask({ departmentId: department.id });
  const responses = await Promise.all(Array.from({ length: 20 }, () => post(operator.token, task.id, 'racing-key', { notes: 'retry storm' })));
  expect(responses.map((response) => response.status).every((status) => status === 202)).toBe(true);
  expect(new Set(responses.map((response) => response.body.claim_id)).size).toBe(1);
  expect(await env.db('claim_requests').where({ task_id: task.id })).toHaveLength(1);
});

test('keys are scoped to the token: another token may use the same key for its own claim', async () => {
  const a = await env.factories.newOperator({ departmentIds: [department.id] });
  const b = await env.factories.newOperator({ departmentIds: [department.id] });
  const task = await env.factories.newTask({ departmentId: department.id });
  const first = await post(a.token, task.id, 'terminal-42', {});
  const second = await post(b.token, task.id, 'terminal-42', {});
  expect(second.body.claim_id).not.toBe(first.body.claim_id);
});

test('a malformed Idempotency-Key is a 400 validation_error', async () => {
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const task = await env.factories.newTask({ departmentId: department.id });
  const response = await post(operator.token, task.id, 'x'.repeat(256), {});
  expect(response.status).toBe(400);
  expect(response.body.code).toBe('validation_error');
});

describe('rate limiting per token', () => {
  let limited: TestEnv;
  beforeAll(async () => {
    limited = await makeTestEnv({ RATE_LIMIT_PER_MINUTE: '10' });
  });
  afterAll(() => limited.close());

  test('past RATE_LIMIT_PER_MINUTE a token gets 429 rate_limited with Retry-After; other tokens are unaffected', async () => {
    const dept = await limited.factories.newDepartment();
    const busy = await limited.factories.newOperator({ departmentIds: [dept.id] });
    const calm = await limited.factories.newOperator({ departmentIds: [dept.id] });
    const statuses: number[] = [];
    let rejected;
    for (let i = 0; i < 15; i++) {
      const response = await limited.http('GET', '/api/workorder-tasks/claimable/', { token: busy.token });
      statuses.push(response.status);
      if (response.status === 429) rejected ??= response;
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
    expect(statuses.slice(10)).toEqual(Array(5).fill(429));
    expect(rejected!.body.code).toBe('rate_limited');
    expect(rejected!.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
    expect([rejected!.headers.get('ratelimit-limit'), rejected!.headers.get('ratelimit-remaining')]).toEqual(['10', '0']);
    expect((await limited.http('GET', '/api/workorder-tasks/claimable/', { token: calm.token })).status).toBe(200);
    // the budget lives in Redis, shared by every API process of this prefix (added a moment after the requests)
    const keys = await eventually(async () => {
      const found = await limited.api.redis.keys(`${limited.config.QUEUE_PREFIX}:rate-limit*`);
      return found.length ? found : undefined;
    }, 5_000, 'the shared rate-limit counter');
    expect(keys.length).toBeGreaterThan(0);
  });
});
