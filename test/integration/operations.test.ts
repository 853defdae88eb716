import { ADMIN_TOKEN, makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
let metricsPort: number;
beforeAll(async () => {
  env = await makeTestEnv();
  metricsPort = (await env.startWorker()).metricsPort!;
});
afterAll(() => env.close());

const text = async (url: string, headers: Record<string, string> = {}) => {
  const response = await fetch(url, { headers });
  return { status: response.status, headers: response.headers, body: await response.text() };
};
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

test('/metrics of the API and of a worker show a short burst, counted by action: claim, release, claim_next', async () => {
  const department = await env.factories.newDepartment();
  const operators = await Promise.all([1, 2, 3].map(() => env.factories.newOperator({ departmentIds: [department.id] })));
  const task = await env.factories.newTask({ departmentId: department.id });
  const claims = await Promise.all(operators.map((operator) => env.factories.claim(operator.token, task.id)));
  expect((await env.factories.claim(operators[0].token, env.factories.nextId())).status).toBe(404);
  await text(`${env.baseUrl}/console/`);
  const winner = operators[claims.findIndex((claim) => claim.status === 200)];
  const released = await env.http('POST', `/api/workorder-tasks/${task.id}/release/`, { token: winner.token, body: {}, headers: { prefer: 'wait=20' } });
  expect(released.status).toBe(200);
  const next = await env.http('POST', '/api/workorder-tasks/claim-next/', { token: operators[0].token, body: {}, headers: { prefer: 'wait=20' } });
  expect(next.body).toMatchObject({ action: 'claim_next', task_id: task.id, status: 'succeeded' });

  const api = await text(`${env.baseUrl}/metrics`);
  expect(api.status).toBe(200);
  expect(api.headers.get('content-type')).toContain('text/plain');
  expect(api.body).toMatch(/taskclaim_claims_accepted_total\{action="claim",dispatch="queue",service="api"\} 3/);
  expect(api.body).toMatch(/taskclaim_claims_accepted_total\{action="release",dispatch="queue",service="api"\} 1/);
  expect(api.body).toMatch(/taskclaim_claims_accepted_total\{action="claim_next",dispatch="queue",service="api"\} 1/);
  expect(api.body).toContain('taskclaim_http_request_duration_seconds_bucket');
  expect(api.body).toMatch(/route="\/api\/workorder-tasks\/:id\/claim\/",status="(200|400)"/);
  // One template per route, whatever the status: a problem answered outside its router keeps its mount.
  expect(api.body).toMatch(/route="\/api\/workorder-tasks\/:id\/claim\/",status="404"/);
  expect(api.body).not.toMatch(/route="\/workorder-tasks\//);
  expect(api.body).toMatch(/route="\/console\/",status="(200|503)"/);
  expect(api.body).toContain('taskclaim_claim_waiters');
  expect(api.body).toContain('taskclaim_process_cpu_seconds_total');

  const worker = await text(`http://127.0.0.1:${metricsPort}/metrics`);
  expect(worker.status).toBe(200);
  expect(worker.body).toMatch(/taskclaim_claims_decided_total\{action="claim",outcome="succeeded",code="none",service="claim-worker"\} 1/);
  expect(worker.body).toMatch(/taskclaim_claims_decided_total\{action="claim",outcome="rejected",code="already_claimed",service="claim-worker"\} 2/);
  // a release is counted as a release, not as one more won claim
  expect(worker.body).toMatch(/taskclaim_claims_decided_total\{action="release",outcome="succeeded",code="none",service="claim-worker"\} 1/);
  expect(worker.body).toMatch(/taskclaim_claims_decided_total\{action="claim_next",outcome="succeeded",code="none",service="claim-worker"\} 1/);
  expect(worker.body).toMatch(/taskclaim_claim_accept_to_decision_seconds_count\{service="claim-worker"\} 5/);
  expect(worker.body).toContain('taskclaim_claim_transaction_seconds_bucket');
  expect(worker.body).toMatch(/taskclaim_queue_jobs\{queue="claims-0",state="waiting",service="claim-worker"\} \d+/);
  expect(worker.body).toMatch(/taskclaim_queue_jobs\{queue="webhooks",state="delayed",service="claim-worker"\} \d+/);
  expect((await text(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(200);
});

test("the worker's own answers carry X-Content-Type-Options: nosniff too (SPEC §6: every response)", async () => {
  for (const path of ['/metrics', '/healthz', '/nope']) {
    const answer = await text(`http://127.0.0.1:${metricsPort}${path}`);
    expect({ path, nosniff: answer.headers.get('x-content-type-options') }).toEqual({ path, nosniff: 'nosniff' });
  }
});

test('GET / sends a browser to the operator console', async () => {
  const response = await fetch(`${env.baseUrl}/`, { redirect: 'manual' });
  expect(response.status).toBe(302);
  expect(response.headers.get('location')).toBe('/console/');
});

describe('queue dashboard', () => {
  const url = () => `${env.baseUrl}/admin/queues`;

  test('asks a browser for credentials, and refuses anything but an admin token', async () => {
    const anonymous = await text(url());
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    const operator = await env.factories.newOperator();
    expect((await text(url(), { authorization: basic('someone', operator.token) })).status).toBe(401);
    expect((await text(url(), { authorization: basic('admin', 'wrong') })).status).toBe(401);
  });

  test('shows every queue to an admin: the partitions, claim-next, webhooks, leases and the reconciler', async () => {
    const page = await text(url(), { authorization: basic('admin', ADMIN_TOKEN) });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<html');
    const api = await text(`${url()}/api/queues?activeQueue=claims-0&page=1&jobsPerPage=10`, { authorization: basic('admin', ADMIN_TOKEN) });
    expect(api.status).toBe(200);
    const names = (JSON.parse(api.body).queues as { name: string }[]).map((queue) => queue.name).sort();
    const expected = [...Array.from({ length: env.config.CLAIM_PARTITIONS }, (_, p) => `claims-${p}`), 'claims-next', 'webhooks', 'leases', 'reconciler'].sort();
    expect(names).toEqual(expected);
  });
});

test('X-Request-Id: a valid one is echoed, an invalid one replaced, and the claim carries it', async () => {
  const department = await env.factories.newDepartment();
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const task = await env.factories.newTask({ departmentId: department.id });
  const traced = await env.factories.claim(operator.token, task.id, {}, { 'x-request-id': 'shift-7.terminal-3:0042' });
  expect(traced.headers.get('x-request-id')).toBe('shift-7.terminal-3:0042');
  const stored = await env.db('claim_requests').where({ id: traced.body.claim_id }).first();
  expect(stored.request_id).toBe('shift-7.terminal-3:0042');
  const replaced = await env.http('GET', '/healthz', { headers: { 'x-request-id': 'bad id with spaces' } });
  expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
});

