/**
 * The queue dashboard as an admin reads it, through the API bull-board's page polls
 * (`/admin/queues/api/queues`), against real Redis and PostgreSQL: claims held by paused partitions
 * wait in their partition, a claim job failed after its last attempt stays visible as failed (and
 * does not stop the reconciler from waking its partition), and each reconciler round shows what it
 * enqueued again.
 */
import { Worker } from 'bullmq';
import { claimQueueName, makeRedis, partitionOf, queuePrefix, type ReconcilerRound } from '@taskclaim/shared/queue';
import { pauseClaimQueues } from '../support/paused-queues';
import { ADMIN_TOKEN, eventually, makeTestEnv, type TestEnv } from '../support/test-env';

interface BoardJob {
  id: string;
  data: { claimIds?: number[] };
  returnValue: ReconcilerRound | null;
  failedReason: string;
}
interface BoardQueue {
  name: string;
  description?: string;
  isPaused: boolean;
  counts: Record<string, number>;
  jobs: BoardJob[];
}

let env: TestEnv;
// One attempt per claim job, so the job this file fails stays failed; no worker runs until the reconciler's test.
beforeAll(async () => {
  env = await makeTestEnv({ CLAIM_ATTEMPTS: '1' });
});
afterAll(() => env.close());

/** Every queue as the dashboard shows it, with the jobs of `activeQueue` in `status`. */
async function board(activeQueue: string, status: string): Promise<Map<string, BoardQueue>> {
  const query = new URLSearchParams({ activeQueue, status, page: '1', jobsPerPage: '50' });
  const response = await fetch(`${env.baseUrl}/admin/queues/api/queues?${query}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(response.status).toBe(200);
  const { queues } = (await response.json()) as { queues: BoardQueue[] };
  return new Map(queues.map((queue) => [queue.name, queue]));
}

/** one claim in each of three partitions, stored while every partition is paused */
const claims: { claimId: number; partition: number; token: string }[] = [];

test('claims held by paused partitions wait as one job in each of their partitions, which names them', async () => {
  const resume = await pauseClaimQueues(env.api.queues.queues);
  const department = await env.factories.newDepartment();
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  while (claims.length < 3) {
    const task = await env.factories.newTask({ departmentId: department.id });
    const partition = partitionOf(task.id, env.config.CLAIM_PARTITIONS);
    if (claims.some((claim) => claim.partition === partition)) continue;
    const accepted = await env.http('POST', `/api/workorder-tasks/${task.id}/claim/`, { token: operator.token, body: {} });
    expect(accepted.status).toBe(202);
    claims.push({ claimId: accepted.body.claim_id, partition, token: operator.token });
  }

  for (const { claimId, partition } of claims) {
    const name = claimQueueName(partition);
    const queue = (await board(name, 'waiting')).get(name) as BoardQueue;
    expect({ name, paused: queue.isPaused, waiting: queue.counts.waiting, claimIds: queue.jobs.map((job) => job.data.claimIds) }).toEqual({
      name,
      paused: true,
      waiting: 1,
      claimIds: [[claimId]],
    });
  }
  const all = await board(claimQueueName(0), 'latest');
  const waiting = [...all.values()].filter((queue) => queue.name.startsWith('claims-')).reduce((sum, queue) => sum + queue.counts.waiting, 0);
  expect(waiting).toBe(claims.length);
  expect(all.get(claimQueueName(claims[0].partition))?.description).toMatch(/claim partition/);
  await resume();
});

test('a claim job failed after its last attempt stays on the dashboard as failed, with its error', async () => {
  const { claimId, partition } = claims[0];
  const name = claimQueueName(partition);
  const connection = makeRedis(env.config, 'blocking');
  // Stands in for a worker whose last attempt met an infrastructure error: it takes the job and fails it.
  const worker = new Worker(name, null, { connection, prefix: queuePrefix(env.config.QUEUE_PREFIX, partition, false) });
  try {
    const job = await worker.getNextJob('dashboard-test');
    expect(job?.data.claimIds).toEqual([claimId]);
    await job?.moveToFailed(new Error('PostgreSQL did not answer'), 'dashboard-test');
  } finally {
    await worker.close();
    connection.disconnect();
  }
  const queue = (await board(name, 'failed')).get(name) as BoardQueue;
  expect(queue.counts.failed).toBe(1);
  expect(queue.jobs.map((job) => [job.data.claimIds, job.failedReason])).toEqual([[[claimId], 'PostgreSQL did not answer']]);
});

test("each reconciler round shows what it enqueued again; a failed job does not stop it waking its partition", async () => {
  const { claimId, partition, token } = claims[0];
  await env.startWorker();
  // The failed job's claim is still queued: the reconciler finds it, replaces the failed job and the worker decides it.
  const decided = await eventually(async () => {
    const claim = await env.http('GET', `/api/claims/${claimId}`, { token });
    return claim.body.status === 'queued' ? undefined : claim.body;
  }, 30_000, 'the reconciler to have the claim decided');
  expect(decided.status).toBe('succeeded');

  const rounds = (await board('reconciler', 'completed')).get('reconciler') as BoardQueue;
  expect(rounds.description).toMatch(/reconciler round/);
  expect(rounds.counts.completed).toBeGreaterThan(0);
  const found = rounds.jobs.find((job) => job.returnValue?.claimIds.includes(claimId));
  expect(found?.returnValue).toEqual(expect.objectContaining({ claims: expect.any(Number), webhooks: 0 }));
  expect(found?.returnValue?.claims).toBeGreaterThanOrEqual(1);

  const name = claimQueueName(partition);
  expect((await board(name, 'failed')).get(name)?.counts.failed).toBe(0);
});
