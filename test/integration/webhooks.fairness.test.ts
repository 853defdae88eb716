/**
 * SPEC §6: one integration's slow or failing webhook receiver never delays other tokens' deliveries.
 * Token A's receiver is a real TCP server that accepts every connection and never answers, so each
 * of its attempts holds a delivery for the whole 15 s timeout; token B's receiver answers at once.
 */
import { Queue } from 'bullmq';
import { WEBHOOK_QUEUE_NAME, makeRedis, queuePrefix } from '@taskclaim/shared/queue';
import { WEBHOOK_EVENTS_PER_TOKEN } from '../../services/claim-worker/src/reconciler';
import { TOKEN_SLOTS } from '../../services/claim-worker/src/webhook-dispatcher';
import { eventually, makeTestEnv, type TestEnv } from '../support/test-env';
import { startHangingReceiver, startReceiver, type HangingReceiver, type Receiver } from '../support/webhook-receivers';

const STALLED_DELIVERIES = 40;

let env: TestEnv;
let hanging: HangingReceiver;
let answering: Receiver;
let webhookQueue: Queue;
let connection: ReturnType<typeof makeRedis>;

beforeAll(async () => {
  env = await makeTestEnv({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_RETRY_SCALE: '0.001', RATE_LIMIT_PER_MINUTE: '100000' });
  await env.startWorker();
  hanging = await startHangingReceiver();
  answering = await startReceiver();
  connection = makeRedis(env.config, 'blocking');
  webhookQueue = new Queue(WEBHOOK_QUEUE_NAME, { connection, prefix: queuePrefix(env.config.QUEUE_PREFIX, WEBHOOK_QUEUE_NAME, false) });
});
afterAll(async () => {
  // Dropping the held connections ends the hanging attempts at once, so the worker closes without waiting 15 s.
  await hanging?.close();
  await answering?.close();
  await webhookQueue?.close();
  connection?.disconnect();
  await env?.close();
});

/** An integration token that may call back to 127.0.0.1, with an operator of its department and a claimable task. */
async function integrationWithTask(name: string) {
  const department = await env.factories.newDepartment();
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const token = await env.factories.newToken({ kind: 'integration', name, department_ids: [department.id], callback_hosts: ['127.0.0.1'] });
  const task = await env.factories.newTask({ departmentId: department.id });
  return { operator, token, task };
}

const jobsHeld = async (): Promise<number> => {
  const counts = await webhookQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
};

test(`while ${STALLED_DELIVERIES} deliveries of one token hang, another token's webhook arrives well before one of theirs times out (15 s), and none of the stalled ones is lost`, async () => {
  const a = await integrationWithTask('MES with a hanging receiver');
  const b = await integrationWithTask('ERP with a healthy receiver');

  // 40 decided claims of A (one succeeds, the rest are already_claimed), each with its webhook to the hanging receiver.
  const claims = await Promise.all(
    Array.from({ length: STALLED_DELIVERIES }, () => env.factories.claim(a.token.token, a.task.id, { operator_id: a.operator.id, callback_url: hanging.url })),
  );
  expect(claims.map((claim) => claim.status)).toEqual(Array(STALLED_DELIVERIES).fill(200));
  await eventually(async () => (hanging.open >= TOKEN_SLOTS ? true : undefined), 10_000, 'the hanging receiver to hold deliveries');

  const claimedAt = Date.now();
  const claimed = await env.factories.claim(b.token.token, b.task.id, { operator_id: b.operator.id, callback_url: answering.url });
  expect(claimed.body.status).toBe('succeeded');
  await eventually(async () => (answering.requests.length >= 1 ? true : undefined), 10_000, "token B's webhook while token A's receiver hangs");
  const arrivedAfterMs = answering.requests[0].at - claimedAt;
  // Queued behind A, B would wait out A's 15 s attempts; well inside that is room enough for a loaded machine.
  expect(arrivedAfterMs).toBeLessThan(10_000);
  // A holds only its share of the slots, and still does: B did not get through because A's attempts had timed out.
  expect(hanging.open).toBe(TOKEN_SLOTS);

  // Redis does not keep A's backlog: once the fresh jobs are parked, it holds A's running attempts and what
  // the reconciler hands back each round; the rest waits in the PostgreSQL outbox.
  const bound = TOKEN_SLOTS + WEBHOOK_EVENTS_PER_TOKEN;
  await eventually(async () => ((await jobsHeld()) <= bound ? true : undefined), 5_000, `at most ${bound} webhook jobs in Redis`);
  let mostJobsHeld = 0;
  for (const sampleUntil = Date.now() + 3_000; Date.now() < sampleUntil; await new Promise((resolve) => setTimeout(resolve, 50))) {
    mostJobsHeld = Math.max(mostJobsHeld, await jobsHeld());
  }
  console.log(
    `token B's webhook arrived ${arrivedAfterMs} ms after its claim, while token A's receiver held ${hanging.open} deliveries; ` +
      `then at most ${mostJobsHeld} webhook jobs in Redis for ${STALLED_DELIVERIES} pending events`,
  );
  expect(mostJobsHeld).toBeLessThanOrEqual(bound);
  expect(hanging.open).toBe(TOKEN_SLOTS);

  // A's receiver comes back: every one of its 40 events is delivered, none was dropped while it hung.
  const recovered = await startReceiver();
  try {
    const claimIds = claims.map((claim) => claim.body.claim_id as number);
    await env.db('webhook_events').whereIn('claim_id', claimIds).update({ url: recovered.url });
    await hanging.close();
    const events = await eventually(async () => {
      const rows = await env.db('webhook_events').whereIn('claim_id', claimIds).select('status', 'webhook_id');
      return rows.every((row) => row.status === 'delivered') ? rows : undefined;
    }, 30_000, "all of token A's webhooks to be delivered");
    expect(events).toHaveLength(STALLED_DELIVERIES);
    expect(new Set(recovered.requests.map((request) => request.headers['webhook-id'])).size).toBe(STALLED_DELIVERIES);
  } finally {
    await recovered.close();
  }
});
