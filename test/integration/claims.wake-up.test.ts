import { claimQueueName, partitionOf } from '@taskclaim/shared/queue';
import { eventually, makeTestEnv, type TestEnv } from '../support/test-env';

/**
 * The reconciler is held off here (RECONCILE_AFTER_MS one minute), so a claim decided within its 10 s
 * wait was decided by a job of its partition's queue, not by the reconciler.
 */
let env: TestEnv;
beforeAll(async () => {
  env = await makeTestEnv({ RECONCILE_AFTER_MS: '60000' });
  await env.startWorker();
});
afterAll(() => env.close());

const newClaimant = async () => {
  const department = await env.factories.newDepartment();
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const task = await env.factories.newTask({ departmentId: department.id });
  return { operator, task, partition: partitionOf(task.id, env.config.CLAIM_PARTITIONS) };
};
const queueOf = (partition: number) => env.api.queues.queues.find((queue) => queue.name === claimQueueName(partition)) as (typeof env.api.queues.queues)[number];
/** How many adds the partition's queue has seen (BullMQ counts every add, deduplicated or not). */
const addsTo = async (partition: number) => Number((await env.api.redis.get(`${env.config.QUEUE_PREFIX}:${claimQueueName(partition)}:id`)) ?? 0);
const idle = (partition: number) =>
  eventually(async () => (Object.values(await queueOf(partition).getJobCounts('active', 'waiting')).every((count) => count === 0) ? true : undefined), 10_000, 'the partition to go idle');

test('a claim of an idle partition wakes it', async () => {
  const { operator, task, partition } = await newClaimant();
  await idle(partition);
  const answer = await env.factories.claim(operator.token, task.id, {}, { prefer: 'wait=10' });
  expect(answer.status).toBe(200);
  expect(answer.body.status).toBe('succeeded');
});

test('after the job of a partition ended, the next claim wakes the partition again', async () => {
  const { operator, task, partition } = await newClaimant();
  expect((await env.factories.claim(operator.token, task.id, {}, { prefer: 'wait=10' })).body.status).toBe('succeeded');
  await idle(partition);
  const before = await addsTo(partition);
  const again = await env.factories.claim(operator.token, task.id, {}, { prefer: 'wait=10' });
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ status: 'succeeded', already_claimed: true });
  expect((await addsTo(partition)) - before).toBe(1);
});

/**
 * The window the drain protocol opens: a process that woke a partition adds no job for the claims it
 * stores in the next second; they count on the job it added, which goes on looking at the partition
 * for DRAIN_LINGER_MS after it started. The reconciler's wake does not count on it: that job may be lost.
 */
test("a process that woke a partition adds no other job for the claims it stores right after; the reconciler's wake (enqueueAgain) adds one whatever", async () => {
  // Claim-next requests wait in a partition of their own (CLAIM_NEXT_PARTITION); these ids match no row, so the jobs find nothing.
  const partition = -1;
  await idle(partition);
  const before = await addsTo(partition);
  await env.api.queues.enqueue([{ claimId: 2 ** 31, taskId: null }]);
  await env.api.queues.enqueue([{ claimId: 2 ** 31 + 1, taskId: null }]);
  expect((await addsTo(partition)) - before).toBe(1);
  await env.api.queues.enqueueAgain([{ claimId: 2 ** 31 + 1, taskId: null }]);
  expect((await addsTo(partition)) - before).toBe(2);
});
