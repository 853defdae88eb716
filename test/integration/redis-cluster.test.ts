/**
 * The claim pipeline on a 3-master Redis Cluster of the test's own (REDIS_CLUSTER_NODES): every SPEC §3
 * rule, the two races, long-poll wake-ups and live events over cluster pub/sub, claim-next and release,
 * the rate limiter, readiness, and the partition queues (the claim-next one included) spread over the
 * masters by their hash-tagged prefixes.
 */
import { Redis, type Cluster } from 'ioredis';
import {
  claimEventsChannel,
  claimPartitions,
  claimQueueName,
  LEASE_QUEUE_NAME,
  makeRedis,
  queuePrefix,
  RECONCILER_QUEUE_NAME,
  WEBHOOK_QUEUE_NAME,
} from '@taskclaim/shared/queue';
import { openEventStream } from '../support/live-events';
import { expectClaimAnsweredByWorker, raceCapacity, raceFortyOperators } from '../support/races';
import { masterOfKeys, startRedisCluster, type RedisClusterHandle } from '../support/redis-cluster';
import { whilePaused } from '../support/paused-queues';
import { RULE_SCENARIOS, expectOutcomeUnderPreferWait } from '../support/rule-scenarios';
import { ADMIN_TOKEN, eventually, makeTestEnv, type TestEnv } from '../support/test-env';

const PARTITIONS = 16;
let redisCluster: RedisClusterHandle;
let env: TestEnv;
let workerMetricsPort: number | undefined;

beforeAll(async () => {
  redisCluster = await startRedisCluster();
  // The cluster is this file's alone, so the queues may carry the default prefix: their placement is then fixed.
  env = await makeTestEnv({ REDIS_CLUSTER_NODES: redisCluster.nodes, QUEUE_PREFIX: 'taskclaim', CLAIM_PARTITIONS: String(PARTITIONS) });
  workerMetricsPort = (await env.startWorker()).metricsPort;
});
afterAll(async () => {
  await env?.close();
  await redisCluster?.stop();
});

test('the API and the workers talk to the cluster, and /readyz pings it', async () => {
  expect(env.api.redis.isCluster).toBe(true);
  expect(env.api.queues.queues.map((queue) => queue.opts.prefix)).toEqual([...Array.from({ length: PARTITIONS }, (_, p) => `{taskclaim-${p}}`), '{taskclaim-next}']);
  expect(env.api.webhooks.queue.opts.prefix).toBe('{taskclaim-webhooks}');
  const ready = await env.http('GET', '/readyz');
  expect(ready.status).toBe(200);
  expect(ready.body.checks).toEqual({ postgres: 'ok', redis: 'ok' });
});

test('the queue dashboard and the worker\'s queue-depth metrics read every queue on the cluster', async () => {
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const dashboard = await fetch(`${env.baseUrl}/admin/queues/api/queues?activeQueue=claims-0&page=1&jobsPerPage=10`, { headers: admin });
  expect(dashboard.status).toBe(200);
  const names = ((await dashboard.json()) as { queues: { name: string }[] }).queues.map((queue) => queue.name).sort();
  expect(names).toEqual([...claimPartitions(PARTITIONS).map(claimQueueName), WEBHOOK_QUEUE_NAME, LEASE_QUEUE_NAME, RECONCILER_QUEUE_NAME].sort());
  const metrics = await fetch(`http://127.0.0.1:${workerMetricsPort}/metrics`);
  expect(metrics.status).toBe(200);
  const body = await metrics.text();
  for (const name of names) expect(body).toMatch(new RegExp(`taskclaim_queue_jobs\\{queue="${name}",state="waiting",service="claim-worker"\\} \\d+`));
});

describe.each(RULE_SCENARIOS)('SPEC §3 rule $rule on the cluster', (scenario) => {
  test('Prefer: wait answers with the outcome', () => expectOutcomeUnderPreferWait(env, scenario));
});

test('40 operators claim one task at the same instant: one winner, 39 already_claimed, first come first served', async () => {
  await raceFortyOperators(env);
});

test('an operator with a limit of 3 claims 12 tasks in 12 partitions at once: exactly 3 succeed', async () => {
  await raceCapacity(env);
});

test('a Prefer: wait long-poll is woken through cluster pub/sub when the worker decides', async () => {
  const department = await env.factories.newDepartment();
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const task = await env.factories.newTask({ departmentId: department.id });
  let claimId = 0;
  let poll!: Promise<Awaited<ReturnType<TestEnv['http']>>>;
  await whilePaused(env, async () => {
    const accepted = await env.factories.claim(operator.token, task.id, {}, { prefer: 'respond-async' });
    expect(accepted.status).toBe(202);
    claimId = accepted.body.claim_id;
    poll = env.http('GET', `/api/claims/${claimId}`, { token: operator.token, headers: { prefer: 'wait=25' } });
    await eventually(async () => (env.api.waiters.count() === 1 ? true : undefined), 10_000, 'the long-poll to be waiting');
  });
  const started = Date.now();
  const response = await poll;
  // A waiter reads the row only when woken or at its timeout: an answer in half of its 25 s came through pub/sub.
  expect(Date.now() - started).toBeLessThan(25_000 / 2);
  expect(response.status).toBe(200);
  expect(response.body).toMatchObject({ claim_id: claimId, status: 'succeeded' });
});

test('claim-next and release are decided on the cluster, and a live event stream hears both through cluster pub/sub, in order', async () => {
  const received = await openEventStream(env.baseUrl, ADMIN_TOKEN);
  try {
    const department = await env.factories.newDepartment();
    const operator = await env.factories.newOperator({ departmentIds: [department.id] });
    const [oldest] = [await env.factories.newTask({ departmentId: department.id }), await env.factories.newTask({ departmentId: department.id })];
    const wait = { prefer: 'wait=20' };
    const next = await env.http('POST', '/api/workorder-tasks/claim-next/', { token: operator.token, body: {}, headers: wait });
    expect(next.body).toMatchObject({ action: 'claim_next', status: 'succeeded', task_id: oldest.id });
    const released = await env.http('POST', `/api/workorder-tasks/${oldest.id}/release/`, { token: operator.token, body: {}, headers: wait });
    expect(released.body).toMatchObject({ action: 'release', status: 'succeeded' });
    await received.next((event) => event.event === 'task.released' && event.data.claim_id === released.body.claim_id);
    const ofTask = received.events.filter((event) => event.data.task_id === oldest.id).map((event) => `${event.event}:${event.data.claim_id}`);
    expect(ofTask).toEqual([`task.claimed:${next.body.claim_id}`, `task.released:${released.body.claim_id}`]);
  } finally {
    received.close();
  }
});

test('a decision published on any master wakes the waiter of an API subscribed through the cluster', async () => {
  for (const [index, port] of redisCluster.ports.entries()) {
    const claimId = 1_000_000_000 + index;
    const woken = env.api.waiters.waitFor(claimId, 10_000).decided;
    const node = new Redis(port, '127.0.0.1');
    try {
      // The API subscribed before; a plain PUBLISH on any node of a cluster reaches subscribers on every node.
      const claim = { id: claimId, status: 'succeeded', submitted_at: new Date(), completed_at: new Date() };
      await node.publish(claimEventsChannel(env.config.QUEUE_PREFIX), JSON.stringify([{ claim }]));
      await expect(woken).resolves.toMatchObject({ claim: { id: claimId, status: 'succeeded' } });
    } finally {
      node.disconnect();
    }
  }
});

test('the partition queues live on at least two masters, each queue wholly on one', async () => {
  const cluster = makeRedis(env.config, 'blocking') as Cluster;
  try {
    await cluster.ping();
    const masters = cluster.nodes('master');
    expect(masters).toHaveLength(3);
    const queues = [...claimPartitions(PARTITIONS).map((p) => [p, claimQueueName(p)] as const), [WEBHOOK_QUEUE_NAME, WEBHOOK_QUEUE_NAME] as const];
    const placement = new Map<string, Set<string>>();
    for (const master of masters) {
      const address = `${master.options.host}:${master.options.port}`;
      for (const [queue, name] of queues) {
        const keys = await master.keys(`${queuePrefix(env.config.QUEUE_PREFIX, queue, true)}:${name}:*`);
        // every queue has at least its meta key (global concurrency 1) once the workers ran
        if (keys.length) placement.set(name, new Set([...(placement.get(name) ?? []), address]));
      }
    }
    expect([...placement.keys()].sort()).toEqual(queues.map(([, name]) => name).sort());
    for (const [, addresses] of placement) expect(addresses.size).toBe(1);
    const byQueue = Object.fromEntries([...placement].map(([name, addresses]) => [name, [...addresses][0]]));
    expect(new Set(Object.values(byQueue)).size).toBeGreaterThanOrEqual(2);

    // CLUSTER KEYSLOT agrees: the slot of a queue's meta key belongs to the master holding it
    const metaKeys = queues.map(([queue, name]) => `${queuePrefix(env.config.QUEUE_PREFIX, queue, true)}:${name}:meta`);
    const owners = await masterOfKeys(cluster, metaKeys);
    queues.forEach(([, name], index) => expect([name, owners.get(metaKeys[index])]).toEqual([name, byQueue[name]]));
    const slots = await cluster.cluster('SLOTS');
    const report = slots.map(([from, to, [host, port]]) => {
      const held = Object.keys(byQueue).filter((name) => byQueue[name] === `${host}:${port}`);
      return `master ${host}:${port} (slots ${from}-${to}): ${held.join(', ') || '—'}`;
    });
    console.info(`queues by master:\n${report.join('\n')}`);
  } finally {
    cluster.disconnect();
  }
});

test('API and worker processes started as `npm run start:*` does work on the cluster alone, and drain on SIGTERM', async () => {
  // REDIS_URL points nowhere: with REDIS_CLUSTER_NODES set it is not used
  const nowhere = { REDIS_URL: 'redis://127.0.0.1:1' };
  const [api, worker] = await Promise.all([env.spawnApi(nowhere), env.spawnWorker(nowhere)]);
  expect(worker.output().split('\n').find((line) => line.includes('claim workers started'))).toContain('"cluster":true');
  await expectClaimAnsweredByWorker(env, api.http);
  api.child.kill('SIGTERM');
  worker.child.kill('SIGTERM');
  expect(await Promise.all([api.exited, worker.exited])).toEqual([0, 0]);
});

describe('with a small rate limit', () => {
  let limited: TestEnv;
  beforeAll(async () => {
    limited = await makeTestEnv({ REDIS_CLUSTER_NODES: redisCluster.nodes, RATE_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(() => limited?.close());

  test('the fourth request of a token within a minute gets 429 with Retry-After, counted on the cluster', async () => {
    const statuses: number[] = [];
    let last!: Awaited<ReturnType<TestEnv['http']>>;
    for (let i = 0; i < 4; i++) {
      last = await limited.http('GET', '/api/claims/1', { token: ADMIN_TOKEN });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([404, 404, 404, 429]); // every request counts, whatever its answer
    expect(last.body.code).toBe('rate_limited');
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);

    const cluster = makeRedis(limited.config, 'blocking') as Cluster;
    try {
      await cluster.ping();
      // Each API process adds its counts to the shared counter a moment later (never in the request's way).
      const keys = await eventually(async () => {
        const found = (await Promise.all(cluster.nodes('master').map((node) => node.keys(`${limited.config.QUEUE_PREFIX}:rate-limit*`)))).flat();
        return found.length ? found : undefined;
      }, 5_000, 'the shared rate-limit counter');
      expect(keys).toHaveLength(1);
    } finally {
      cluster.disconnect();
    }
  });
});
