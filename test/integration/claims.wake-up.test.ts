import { partitionOf, wakeMarkerKey } from '@taskclaim/shared';
import { eventually, makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
beforeAll(async () => {
  env = await makeTestEnv();
  await env.startWorker();
});
afterAll(() => env.close());

/**
 * The window the wake-up marker opens: an API process that set a partition's marker and died before
 * adding its job leaves the marker behind, and other processes' claims of that partition then add no
 * job. They must still be decided: the reconciler (every RECONCILE_INTERVAL_MS, for claims queued
 * RECONCILE_AFTER_MS) adds a job regardless of the marker.
 */
test("claims of a partition whose wake-up marker was left by a dead process are decided by the reconciler's wake-up", async () => {
  const department = await env.factories.newDepartment();
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const task = await env.factories.newTask({ departmentId: department.id });
  const partition = partitionOf(task.id, env.config.CLAIM_PARTITIONS);
  await env.api.redis.set(wakeMarkerKey(env.config.QUEUE_PREFIX, partition, false), '1', 'PX', 60_000);

  const accepted = await env.factories.claim(operator.token, task.id, {}, { prefer: 'respond-async' });
  expect(accepted.status).toBe(202);
  const started = Date.now();
  const decided = await eventually(async () => {
    const claim = await env.db('claim_requests').where({ id: accepted.body.claim_id }).first();
    return claim.status === 'queued' ? undefined : claim;
  }, 20_000, 'the claim to be decided');
  expect(decided.status).toBe('succeeded');
  // The API honoured the marker (no job of its own): the claim waited for the reconciler, RECONCILE_AFTER_MS
  // 2 s + RECONCILE_INTERVAL_MS 1 s in the test environment. The upper bound only tells the reconciler's
  // wake-up from none at all (the wait above gives up at 20 s): generous for a loaded machine.
  expect(Date.now() - started).toBeGreaterThanOrEqual(env.config.RECONCILE_AFTER_MS - 500);
  expect(Date.now() - started).toBeLessThan(10_000);
});

/**
 * A claim wakes its own partition. The reconciler is held off here (RECONCILE_AFTER_MS one minute), so
 * a claim decided within its 10 s wait was woken by the job its API added, not by the reconciler.
 */
describe('with the reconciler held off', () => {
  let quiet: TestEnv;
  beforeAll(async () => {
    quiet = await makeTestEnv({ RECONCILE_AFTER_MS: '60000' });
    await quiet.startWorker();
  });
  afterAll(() => quiet.close());

  test('a claim of a partition with no marker wakes it at once', async () => {
    const department = await quiet.factories.newDepartment();
    const operator = await quiet.factories.newOperator({ departmentIds: [department.id] });
    const task = await quiet.factories.newTask({ departmentId: department.id });
    const answer = await quiet.factories.claim(operator.token, task.id, {}, { prefer: 'wait=10' });
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('succeeded');
  });

  test("a job that finds its partition idle clears the marker before it ends, so the partition's next claim wakes it at once", async () => {
    const department = await quiet.factories.newDepartment();
    const operator = await quiet.factories.newOperator({ departmentIds: [department.id] });
    const task = await quiet.factories.newTask({ departmentId: department.id });
    const marker = wakeMarkerKey(quiet.config.QUEUE_PREFIX, partitionOf(task.id, quiet.config.CLAIM_PARTITIONS), false);
    expect((await quiet.factories.claim(operator.token, task.id, {}, { prefer: 'wait=10' })).body.status).toBe('succeeded');
    await eventually(async () => ((await quiet.api.redis.exists(marker)) === 0 ? true : undefined), 5_000, 'the marker to be cleared');

    const again = await quiet.factories.claim(operator.token, task.id, {}, { prefer: 'wait=10' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'succeeded', already_claimed: true });
  });
});
