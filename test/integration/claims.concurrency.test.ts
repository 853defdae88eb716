import { Queue } from 'bullmq';
import { decideQueuedClaims } from '@taskclaim/shared';
import { claimJobId, claimQueueName, makeRedis, partitionOf, type ClaimJobData } from '@taskclaim/shared/queue';
import { raceCapacity, raceFortyOperators } from '../support/races';
import { eventually, makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
beforeAll(async () => {
  env = await makeTestEnv({ CLAIM_PARTITIONS: '16' });
});
afterAll(() => env.close());

const claimRows = (ids: number[]) => env.db('claim_requests').whereIn('id', ids).orderBy('id');
const decidedClaims = (ids: number[]) =>
  eventually(async () => {
    const rows = await claimRows(ids);
    return rows.every((row) => row.status !== 'queued') ? rows : undefined;
  }, 30_000, 'every claim to be decided');

describe('with one in-process worker', () => {
  let stopWorker: () => Promise<void>;
  beforeAll(async () => {
    const worker = await env.startWorker();
    stopWorker = () => worker.close();
  });
  afterAll(() => stopWorker());

  test('40 operators claim one task at the same instant: one winner, 39 already_claimed, first come first served', async () => {
    await raceFortyOperators(env);
  });

  test('an operator with a limit of 3 claims 12 tasks in 12 partitions at once: exactly 3 succeed', async () => {
    await raceCapacity(env);
  });

  test('the same claim job processed twice takes effect once', async () => {
    const department = await env.factories.newDepartment();
    const operator = await env.factories.newOperator({ departmentIds: [department.id] });
    const task = await env.factories.newTask({ departmentId: department.id });
    const first = await env.factories.claim(operator.token, task.id);
    expect(first.body.status).toBe('succeeded');
    const claimId: number = first.body.claim_id;

    const connection = makeRedis(env.config.REDIS_URL, 'blocking');
    const partition = partitionOf(task.id, env.config.CLAIM_PARTITIONS);
    const queue = new Queue<ClaimJobData>(claimQueueName(partition), { connection, prefix: env.config.QUEUE_PREFIX });
    try {
      // The job that decided it goes on looking at its partition until it has been idle for 2 s: let it end first.
      await eventually(async () => (Object.values(await queue.getJobCounts('active', 'waiting')).every((count) => count === 0) ? true : undefined), 10_000, 'the partition to go idle');

      // Two workers running the same job at once (a lock that expired mid-transaction) ...
      const deps = { db: env.db, defaultMaxActiveTasks: env.config.MAX_ACTIVE_TASKS };
      // Queued just now: the reconciler (RECONCILE_AFTER_MS 2 s here) leaves it to the two runs below.
      await env.db('claim_requests').where({ id: claimId }).update({ status: 'queued', completed_at: null, submitted_at: env.db.fn.now() });
      await env.db('work_order_tasks').where({ id: task.id }).update({ assigned_operator_id: null });
      await env.db('notifications').where({ claim_id: claimId }).delete();
      const results = await Promise.all([decideQueuedClaims(deps, { claimIds: [claimId] }), decideQueuedClaims(deps, { claimIds: [claimId] })]);
      expect(results.map((decided) => decided.length).sort()).toEqual([0, 1]);

      // ... and the job delivered again through the queue after it completed.
      const job = await queue.add('claims', { partition, claimIds: [claimId] }, { jobId: claimJobId(claimId), removeOnComplete: false });
      await eventually(async () => ((await job.isCompleted()) ? true : undefined), 20_000, 'the re-delivered job');
      expect(job.id).toBe(claimJobId(claimId));
      await job.remove();
    } finally {
      await queue.close();
      connection.disconnect();
    }

    expect(await env.db('notifications').where({ claim_id: claimId })).toHaveLength(1);
    expect((await env.db('work_order_tasks').where({ id: task.id }).first()).assigned_operator_id).toBe(operator.id);
    const claim = await env.db('claim_requests').where({ id: claimId }).first();
    expect(claim.status).toBe('succeeded');
  });

  test('a claim row left queued without a job (API died before enqueueing) is finished by the reconciler', async () => {
    const department = await env.factories.newDepartment();
    const operator = await env.factories.newOperator({ departmentIds: [department.id] });
    const task = await env.factories.newTask({ departmentId: department.id });
    const [row] = await env
      .db('claim_requests')
      .insert({ task_id: task.id, operator_id: operator.id, notes: 'stored, never enqueued' })
      .returning('id');
    const [decided] = await decidedClaims([row.id]);
    expect(decided.status).toBe('succeeded');
  });
});

test('two worker processes apply the claims of each partition one at a time, and drain on SIGTERM', async () => {
  const workers = [await env.spawnWorker(), await env.spawnWorker()];
  const department = await env.factories.newDepartment();
  const operators = await Promise.all(
    Array.from({ length: 12 }, () => env.factories.newOperator({ departmentIds: [department.id], maxActiveTasks: 1000 })),
  );
  /** Two contended tasks in every partition, claimed by every operator at once; resolves with the decided claims. */
  const burst = async () => {
    const perPartition = new Map<number, number[]>();
    while ([...perPartition.values()].flat().length < 2 * env.config.CLAIM_PARTITIONS) {
      const task = await env.factories.newTask({ departmentId: department.id });
      const partition = partitionOf(task.id, env.config.CLAIM_PARTITIONS);
      const tasks = perPartition.get(partition) ?? [];
      if (tasks.length < 2) perPartition.set(partition, [...tasks, task.id]);
    }
    const tasks = [...perPartition.values()].flat();
    const responses = await Promise.all(
      tasks.flatMap((taskId) => operators.map((operator) => env.factories.claim(operator.token, taskId, {}, { prefer: 'respond-async' }))),
    );
    return { tasks, rows: await decidedClaims(responses.map((response) => response.body.claim_id)) };
  };
  const bothTookPart = () => workers.every((worker) => /"claimId":\d+/.test(worker.output()));
  const partitionsIdle = () =>
    eventually(async () => ((await Promise.all(env.api.queues.queues.map((queue) => queue.getActiveCount()))).every((count) => count === 0) ? true : undefined), 20_000, 'the partitions to go idle');

  let maxActive = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const counts = await Promise.all(env.api.queues.queues.map((queue) => queue.getActiveCount()));
      maxActive = Math.max(maxActive, ...counts);
    }
  })();
  const bursts: Awaited<ReturnType<typeof burst>>[] = [];
  try {
    // A partition's job goes to whichever process asks first, and drains while claims keep coming: on a
    // loaded machine one process can take every partition of a burst. Once the partitions are idle, the
    // process that waited longest asks first, so another burst brings the other one in.
    for (let wave = 0; wave < 4 && (wave === 0 || !bothTookPart()); wave++) {
      if (wave > 0) await partitionsIdle();
      bursts.push(await burst());
    }
  } finally {
    sampling = false;
    await sampler;
  }

  expect(maxActive).toBe(1);
  for (const { tasks, rows } of bursts) {
    for (const taskId of tasks) {
      const ofTask = rows.filter((row) => row.task_id === taskId);
      expect(ofTask.filter((row) => row.status === 'succeeded')).toHaveLength(1);
      expect(ofTask.find((row) => row.status === 'succeeded')!.id).toBe(Math.min(...ofTask.map((row) => row.id)));
    }
  }
  // both processes took part
  for (const worker of workers) expect(worker.output()).toMatch(/"claimId":\d+/);

  for (const worker of workers) worker.child.kill('SIGTERM');
  expect(await Promise.all(workers.map((worker) => worker.exited))).toEqual([0, 0]);
});
