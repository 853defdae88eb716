import { makeTestEnv, eventually, type TestEnv } from '../support/test-env';

/**
 * The window a long-draining job opens: while it drains a busy partition its wake-up marker stays
 * set, so the claims stored meanwhile add no job and rely on it. A worker closed mid-burst must stop
 * promptly and hand those claims to a successor job that another worker runs. The reconciler is held
 * off for the test (RECONCILE_AFTER_MS one minute), so only the hand-over can decide them in time.
 */
let env: TestEnv;
beforeAll(async () => {
  env = await makeTestEnv({ RECONCILE_AFTER_MS: '60000', CLAIM_PARTITIONS: '4' });
});
afterAll(() => env.close());

test('a worker closed while its partitions are busy stops within seconds and its queued claims are decided by the next worker', async () => {
  const department = await env.factories.newDepartment();
  const operators = await Promise.all(Array.from({ length: 16 }, () => env.factories.newOperator({ departmentIds: [department.id], maxActiveTasks: 1_000 })));
  const tasks = await Promise.all(Array.from({ length: 12 }, () => env.factories.newTask({ departmentId: department.id })));
  const first = await env.startWorker();

  const claimIds: number[] = [];
  const burstEndsAt = Date.now() + 3_000;
  const client = async (index: number) => {
    for (let n = 0; Date.now() < burstEndsAt; n++) {
      const task = tasks[(index + n) % tasks.length];
      const accepted = await env.factories.claim(operators[index].token, task.id, {}, { prefer: 'respond-async' });
      expect(accepted.status).toBe(202);
      claimIds.push(accepted.body.claim_id);
    }
  };
  const burst = Promise.all(operators.map((_, index) => client(index)));

  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const closing = Date.now();
  await first.close();
  const closeMs = Date.now() - closing;
  await env.startWorker();
  await burst;

  const decided = await eventually(async () => {
    const queued = await env.db('claim_requests').whereIn('id', claimIds).where({ status: 'queued' }).count<{ count: string }[]>('id as count');
    return Number(queued[0].count) === 0 ? true : undefined;
  }, 15_000, 'every claim to be decided without the reconciler');
  expect(decided).toBe(true);
  console.info(`worker closed mid-burst in ${closeMs} ms; ${claimIds.length} claims, all decided`);
  // A job hands over after the round in hand; the worker's close also waits for its webhook dispatcher and connections.
  expect(closeMs).toBeLessThan(5_000);
  expect(claimIds.length).toBeGreaterThan(100);
});
