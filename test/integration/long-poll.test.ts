import { claimsRepo } from '@taskclaim/shared/db';
import { pauseClaimQueues } from '../support/paused-queues';
import { ADMIN_TOKEN, eventually, makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
beforeAll(async () => {
  env = await makeTestEnv();
  await env.startWorker();
});
afterAll(() => env.close());

const WAITERS = 500;

test(`${WAITERS} concurrent long-polls wake on their decisions, with no database query while they wait`, async () => {
  const department = await env.factories.newDepartment();
  const operator = await env.factories.newOperator({ departmentIds: [department.id], maxActiveTasks: 10_000 });
  const firstId = env.factories.nextId() * 1000;
  const tasks = Array.from({ length: WAITERS }, (_, i) => ({
    id: firstId + i,
    work_order: { id: firstId, order_number: 'WO-LONGPOLL' },
    work_content: `task ${i}`,
    status: 'pending',
    assigned_department_id: department.id,
  }));
  expect((await env.http('PUT', '/api/admin/tasks', { token: ADMIN_TOKEN, body: tasks })).status).toBe(200);

  const queues = env.api.queues.queues;
  const resume = await pauseClaimQueues(queues);
  const claimIds: number[] = [];
  for (let i = 0; i < WAITERS; i += 50) {
    const batch = await Promise.all(
      tasks.slice(i, i + 50).map((task) => env.factories.claim(operator.token, task.id, {}, { prefer: 'respond-async' })),
    );
    claimIds.push(...batch.map((response) => response.body.claim_id));
  }

  let queries = 0;
  env.api.db.on('query', () => queries++);
  const answered: { at: number; body: { status: string; completed_at: string } }[] = [];
  const polls = claimIds.map((claimId) =>
    env.http('GET', `/api/claims/${claimId}`, { token: operator.token, headers: { prefer: 'wait=25' } }).then((response) => {
      answered.push({ at: Date.now(), body: response.body });
      return response;
    }),
  );
  await eventually(async () => (env.api.waiters.count() === WAITERS ? true : undefined), 20_000, 'every long-poll to be waiting');

  queries = 0;
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  expect(queries).toBe(0);
  expect(answered).toHaveLength(0);

  await resume();
  const responses = await Promise.all(polls);
  expect(responses.every((response) => response.status === 200 && response.body.status === 'succeeded')).toBe(true);
  const lags = answered.map((entry) => entry.at - Date.parse(entry.body.completed_at));
  console.info(`${WAITERS} long-polls answered ${Math.max(...lags)} ms at most after their decisions`);
  // Woken by the decision, not by the 25 s wait running out (no query ran while they waited): generous for a loaded machine.
  expect(Math.max(...lags)).toBeLessThan(25_000 / 2);
  // waking costs a bounded number of reads per claim, not one per second of waiting
  expect(queries).toBeLessThanOrEqual(WAITERS * 3);
});

/** A new department, operator and task, and the operator's claim of it sent with `Prefer: respond-async`. */
async function acceptedClaim(on: TestEnv) {
  const department = await on.factories.newDepartment();
  const operator = await on.factories.newOperator({ departmentIds: [department.id] });
  const task = await on.factories.newTask({ departmentId: department.id });
  const accepted = await on.factories.claim(operator.token, task.id, {}, { prefer: 'respond-async' });
  expect(accepted.status).toBe(202);
  return { operator, claimId: accepted.body.claim_id as number };
}

test('a wait registered after its decision went by (unheard) answers at once with the decision, not at its time limit', async () => {
  const { claimId } = await acceptedClaim(env);
  // Decided and published while nobody waited: the race a `Prefer: wait` POST runs between its insert's commit and its wait.
  await eventually(async () => ((await claimsRepo.findClaims(env.api.db, [claimId])).get(claimId)?.status === 'succeeded' ? true : undefined), 20_000, 'the claim to be decided');
  const asStored = { ...(await claimsRepo.findClaims(env.api.db, [claimId])).get(claimId)!, status: 'queued' as const, completed_at: null };

  const waitMs = 25_000;
  const startedAt = Date.now();
  const decided = await env.api.claims.waitForDecision(asStored, waitMs, { holder: 0 });
  expect(decided.claim).toMatchObject({ id: claimId, status: 'succeeded' });
  expect(Date.now() - startedAt).toBeLessThan(waitMs / 2);
  expect(env.api.waiters.count()).toBe(0);
});

test('Prefer: respond-async, wait=10 waits for the outcome first, as RFC 7240 §4.3 reads it; respond-async alone is 202 at once', async () => {
  const department = await env.factories.newDepartment();
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const [first, second] = [await env.factories.newTask({ departmentId: department.id }), await env.factories.newTask({ departmentId: department.id })];
  const waited = await env.factories.claim(operator.token, first.id, {}, { prefer: 'respond-async, wait=10' });
  expect(waited.status).toBe(200);
  expect(waited.body).toMatchObject({ task_id: first.id, status: 'succeeded' });
  expect(waited.headers.get('preference-applied')).toBe('wait=10');
  const accepted = await env.factories.claim(operator.token, second.id, {}, { prefer: 'respond-async' });
  expect(accepted.status).toBe(202);
  expect(accepted.headers.get('location')).toBe(`/api/claims/${accepted.body.claim_id}`);
});

describe('with MAX_WAITS_PER_TOKEN=2 (and no worker: nothing gets decided)', () => {
  let capped: TestEnv;
  beforeAll(async () => {
    capped = await makeTestEnv({ MAX_WAITS_PER_TOKEN: '2' });
  });
  afterAll(() => capped.close());

  test("a token's third held wait is answered at once with the claim as it stands, without Preference-Applied; another token's wait is still held", async () => {
    const { operator: busy, claimId } = await acceptedClaim(capped);
    const poll = (token: string) => capped.http('GET', `/api/claims/${claimId}`, { token, headers: { prefer: 'wait=3' } });
    const held = [poll(busy.token), poll(busy.token)];
    await eventually(async () => (capped.api.waiters.count() === 2 ? true : undefined), 5_000, 'two held waits');

    let heldAnswered = false;
    void Promise.race(held).then(() => (heldAnswered = true));
    const third = await poll(busy.token);
    // answered at once: before either held wait, which ends only when its 3 s run out
    expect(heldAnswered).toBe(false);
    expect(capped.api.waiters.count()).toBe(2);
    expect(third.status).toBe(200);
    expect(third.body.status).toBe('queued');
    expect(third.headers.get('preference-applied')).toBeNull();

    // The cap is per token: another token's wait is held (an admin sees every claim).
    const adminStarted = Date.now();
    const admin = await capped.http('GET', `/api/claims/${claimId}`, { token: ADMIN_TOKEN, headers: { prefer: 'wait=2' } });
    expect(Date.now() - adminStarted).toBeGreaterThanOrEqual(1_900);
    expect(admin.body.status).toBe('queued');
    for (const response of await Promise.all(held)) expect(response.body.status).toBe('queued');
  });
});
