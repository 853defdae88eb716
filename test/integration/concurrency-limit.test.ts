/**
 * SPEC §6: a token with more than MAX_CONCURRENT_PER_TOKEN requests in progress in one API process is
 * answered 429 with Retry-After for the excess, and no other token notices. A long-poll that waits no
 * longer counts (it holds a wait slot), so waiting for claims never locks a token out.
 * (The flood at full size, with claims of another token: test/faults/one-token-flood.test.ts.)
 */
import { eventually, makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
let department: { id: number };
let flooder: { id: number; token: string };
let bystander: { id: number; token: string };

beforeAll(async () => {
  // No worker: claims stay queued, so their long-polls wait.
  env = await makeTestEnv({ MAX_CONCURRENT_PER_TOKEN: '2' });
  department = await env.factories.newDepartment();
  flooder = await env.factories.newOperator({ departmentIds: [department.id] });
  bystander = await env.factories.newOperator({ departmentIds: [department.id] });
  for (let i = 0; i < 5; i += 1) await env.factories.newTask({ departmentId: department.id });
});
afterAll(() => env?.close());

const list = (token: string) => env.http('GET', '/api/workorder-tasks/claimable/?page_size=100', { token });

test('the excess of one token is answered 429 with Retry-After; another token at the same time gets every answer', async () => {
  const [flood, others] = await Promise.all([
    Promise.all(Array.from({ length: 40 }, () => list(flooder.token))),
    Promise.all(Array.from({ length: 2 }, () => list(bystander.token))),
  ]);
  const refused = flood.filter((response) => response.status === 429);
  expect(flood.filter((response) => response.status !== 429).map((response) => response.status)).toEqual(Array(40 - refused.length).fill(200));
  expect(refused.length).toBeGreaterThan(0);
  for (const response of refused) {
    expect(response.body.code).toBe('rate_limited');
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  }
  expect(others.map((response) => response.status)).toEqual([200, 200]);
  // Every slot was given back.
  expect((await list(flooder.token)).status).toBe(200);
});

test('long-polls that wait count apart: the token still gets answers while more of them wait than its limit', async () => {
  const claims = [];
  for (let i = 0; i < 3; i += 1) {
    const task = await env.factories.newTask({ departmentId: department.id });
    claims.push(await env.factories.claim(flooder.token, task.id, {}, { prefer: 'respond-async' }));
  }
  const waits = claims.map((claim) => env.http('GET', `/api/claims/${claim.body.claim_id}`, { token: flooder.token, headers: { prefer: 'wait=4' } }));
  await eventually(async () => (env.api.waiters.count() === 3 ? true : undefined), 10_000, 'the three long-polls to wait');
  const during = await list(flooder.token);
  expect(during.status).toBe(200);
  for (const wait of await Promise.all(waits)) expect({ status: wait.status, claim: wait.body.status }).toEqual({ status: 200, claim: 'queued' });
});
