import { Queue } from 'bullmq';
import { Webhook } from 'standardwebhooks';
import { WEBHOOK_QUEUE_NAME, makeRedis } from '@taskclaim/shared/queue';
import { decideQueuedClaims } from '@taskclaim/shared';
import { failClaim } from '../../services/claim-worker/src/fail-claim';
import { ADMIN_TOKEN, eventually, makeTestEnv, type TestEnv } from '../support/test-env';
import { startReceiver, type Received, type Receiver, type Reply } from '../support/webhook-receivers';

const signedHeaders = (request: Received): Record<string, string> => ({
  'webhook-id': String(request.headers['webhook-id']),
  'webhook-timestamp': String(request.headers['webhook-timestamp']),
  'webhook-signature': String(request.headers['webhook-signature']),
});

const requestsOf = (receiver: Receiver, count: number, timeoutMs = 15_000) =>
  eventually(async () => (receiver.requests.length >= count ? receiver.requests : undefined), timeoutMs, `${count} webhook request(s)`);

const eventOf = (env: TestEnv, claimId: number) => env.db('webhook_events').where({ claim_id: claimId }).first();

const settledEvent = (env: TestEnv, claimId: number) =>
  eventually(async () => {
    const event = await eventOf(env, claimId);
    return event && event.status !== 'pending' ? event : undefined;
  }, 15_000, `the webhook of claim ${claimId} to settle`);

/** The webhook queue's job of this webhook id, if Redis holds one. */
async function webhookJob(env: TestEnv, webhookId: string) {
  const connection = makeRedis(env.config.REDIS_URL, 'blocking');
  const queue = new Queue(WEBHOOK_QUEUE_NAME, { connection, prefix: env.config.QUEUE_PREFIX });
  try {
    return await queue.getJob(webhookId);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An integration token allowed to call back to 127.0.0.1, an operator of its department, and a claimable task. */
async function arrange(env: TestEnv, task: { status?: string } = {}) {
  const department = await env.factories.newDepartment();
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const integration = await env.factories.newToken({
    kind: 'integration',
    name: `mes ${env.factories.nextId()}`,
    department_ids: [department.id],
    callback_hosts: ['127.0.0.1'],
  });
  const { id: taskId } = await env.factories.newTask({ departmentId: department.id, status: task.status ?? 'pending' });
  return { department, operator, integration: integration as { id: number; token: string; webhook_secret: string }, taskId };
}

describe('delivering to a receiver on loopback (WEBHOOK_ALLOW_PRIVATE_NETWORKS=true)', () => {
  let env: TestEnv;
  const receivers: Receiver[] = [];
  const receiver = async (reply?: (n: number) => Reply) => {
    const started = await startReceiver(reply);
    receivers.push(started);
    return started;
  };

  beforeAll(async () => {
    // 0.001: the schedule's 5 s and 5 min become 5 ms and 300 ms.
    env = await makeTestEnv({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_RETRY_SCALE: '0.001' });
    await env.startWorker();
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await env.close();
  });

  test('a succeeded claim is reported as claim.succeeded with the claim resource, signed per Standard Webhooks', async () => {
    const hook = await receiver();
    const { operator, integration, taskId } = await arrange(env);
    const claimed = await env.factories.claim(integration.token, taskId, { operator_id: operator.id, notes: 'robot cell 4', callback_url: hook.url });
    expect(claimed.status).toBe(200);

    const [request] = await requestsOf(hook, 1);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
    const event = new Webhook(integration.webhook_secret).verify(request.body, signedHeaders(request)) as any;
    const shown = await env.http('GET', `/api/claims/${claimed.body.claim_id}`, { token: integration.token });
    expect(event).toEqual({ type: 'claim.succeeded', timestamp: shown.body.completed_at, data: shown.body });
    expect(event.data).toMatchObject({ status: 'succeeded', detail: 'Task claimed successfully.', notes: 'robot cell 4' });
    expect(event.data.task.assigned_operator.id).toBe(operator.id);
    // a body signed with another secret does not verify
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(request.body, signedHeaders(request))).toThrow();

    const stored = await settledEvent(env, claimed.body.claim_id);
    expect(stored).toMatchObject({ status: 'delivered', attempts: 1, webhook_id: request.headers['webhook-id'] });
    expect(stored.delivered_at).toBeInstanceOf(Date);
  });

  test('a rejected claim is reported as claim.rejected with its code, in English', async () => {
    const hook = await receiver();
    const { operator, integration, taskId } = await arrange(env, { status: 'completed' });
    const claimed = await env.factories.claim(
      integration.token,
      taskId,
      { operator_id: operator.id, callback_url: hook.url },
      { 'accept-language': 'zh-CN' },
    );
    expect(claimed.body.code).toBe('task_completed');

    const [request] = await requestsOf(hook, 1);
    const event = new Webhook(integration.webhook_secret).verify(request.body, signedHeaders(request)) as any;
    expect(event.type).toBe('claim.rejected');
    expect(event.data).toMatchObject({ claim_id: claimed.body.claim_id, status: 'rejected', code: 'task_completed' });
    expect(event.data.detail).toMatch(/^[\x20-\x7e]+$/); // English, though the claimant asked for Chinese
  });

  test('a claim that ends failed is reported as claim.failed', async () => {
    const hook = await receiver();
    const { operator, integration, taskId } = await arrange(env);
    const [row] = await env
      .db('claim_requests')
      .insert({ task_id: taskId, operator_id: operator.id, token_id: integration.id, callback_url: hook.url })
      .returning('id');
    // what the claim processor does once a claim's retries are spent
    const failed = await failClaim(env.db, row.id, 'PostgreSQL kept failing');
    expect(failed?.claim.status).toBe('failed');
    expect(failed?.webhook?.claimId).toBe(row.id);

    // the processor would enqueue it; here nothing does, so the reconciler delivers it
    const [request] = await requestsOf(hook, 1);
    const event = new Webhook(integration.webhook_secret).verify(request.body, signedHeaders(request)) as any;
    expect(event.type).toBe('claim.failed');
    expect(event.data).toMatchObject({ claim_id: row.id, status: 'failed', code: 'claim_failed' });
  });

  test('a receiver failing twice then answering 200 gets the same webhook-id three times; /deliveries lists the 3 attempts', async () => {
    const hook = await receiver((n) => ({ status: n <= 2 ? 500 : 200 }));
    const { operator, integration, taskId } = await arrange(env);
    const claimed = await env.factories.claim(integration.token, taskId, { operator_id: operator.id, callback_url: hook.url });

    const requests = await requestsOf(hook, 3);
    const ids = requests.map((request) => request.headers['webhook-id']);
    expect(new Set(ids).size).toBe(1);
    for (const request of requests) new Webhook(integration.webhook_secret).verify(request.body, signedHeaders(request));
    expect((await settledEvent(env, claimed.body.claim_id)).status).toBe('delivered');

    const deliveries = await env.http('GET', `/api/claims/${claimed.body.claim_id}/deliveries`, { token: integration.token });
    expect(deliveries.status).toBe(200);
    const results: any[] = deliveries.body.results;
    expect(results.map((d) => d.attempt)).toEqual([1, 2, 3]);
    expect(results.map((d) => d.status_code)).toEqual([500, 500, 200]);
    expect(results.map((d) => d.webhook_id)).toEqual([ids[0], ids[0], ids[0]]);
    expect(results.map((d) => d.error)).toEqual([null, null, null]);
    for (const d of results) {
      expect(Number.isNaN(Date.parse(d.attempted_at))).toBe(false);
      expect(typeof d.duration_ms).toBe('number');
    }
    // the two failures say when the next attempt is due; the success ends the schedule
    expect(results[0].next_attempt_at).not.toBeNull();
    expect(results[1].next_attempt_at).not.toBeNull();
    expect(results[2].next_attempt_at).toBeNull();
    expect(Date.parse(results[1].next_attempt_at)).toBeGreaterThan(Date.parse(results[1].attempted_at));
  });

  test('/deliveries is visible to the claim operator, the submitting token and admins only', async () => {
    const { operator, integration, taskId, department } = await arrange(env);
    const claimed = await env.factories.claim(integration.token, taskId, { operator_id: operator.id });
    const path = `/api/claims/${claimed.body.claim_id}/deliveries`;
    const stranger = await env.factories.newOperator({ departmentIds: [department.id] });
    const otherIntegration = await env.factories.newToken({ kind: 'integration', name: 'other', department_ids: [department.id] });

    expect((await env.http('GET', path, { token: operator.token })).body).toEqual({ results: [] });
    expect((await env.http('GET', path, { token: integration.token })).status).toBe(200);
    expect((await env.http('GET', path, { token: ADMIN_TOKEN })).status).toBe(200);
    expect((await env.http('GET', path, { token: stranger.token })).status).toBe(404);
    expect((await env.http('GET', path, { token: otherIntegration.token })).status).toBe(404);
    expect((await env.http('GET', '/api/claims/999999999/deliveries', { token: integration.token })).status).toBe(404);
    expect((await env.http('GET', '/api/claims/abc/deliveries', { token: integration.token })).status).toBe(400);
  });

  test('a receiver answering 410 Gone gets exactly one attempt', async () => {
    const hook = await receiver(() => ({ status: 410 }));
    const { operator, integration, taskId } = await arrange(env);
    const claimed = await env.factories.claim(integration.token, taskId, { operator_id: operator.id, callback_url: hook.url });

    const event = await settledEvent(env, claimed.body.claim_id);
    expect(event).toMatchObject({ status: 'gone', attempts: 1, next_attempt_at: null });
    await sleep(1_000); // retries would come after 5 ms and 300 ms
    expect(hook.requests).toHaveLength(1);
    const deliveries = await env.http('GET', `/api/claims/${claimed.body.claim_id}/deliveries`, { token: integration.token });
    expect(deliveries.body.results).toMatchObject([{ attempt: 1, status_code: 410, next_attempt_at: null }]);
  });

  test('a redirect is not followed: 3xx is a failed attempt', async () => {
    const target = await receiver();
    const hook = await receiver((n) => (n === 1 ? { status: 307, headers: { location: target.url } } : { status: 204 }));
    const { operator, integration, taskId } = await arrange(env);
    const claimed = await env.factories.claim(integration.token, taskId, { operator_id: operator.id, callback_url: hook.url });

    expect((await settledEvent(env, claimed.body.claim_id)).status).toBe('delivered');
    expect(hook.requests).toHaveLength(2);
    expect(target.requests).toHaveLength(0);
    const deliveries = await env.http('GET', `/api/claims/${claimed.body.claim_id}/deliveries`, { token: integration.token });
    expect(deliveries.body.results.map((d: any) => d.status_code)).toEqual([307, 204]);
  });

  test('Retry-After is honoured', async () => {
    const hook = await receiver((n) => (n === 1 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 }));
    const { operator, integration, taskId } = await arrange(env);
    await env.factories.claim(integration.token, taskId, { operator_id: operator.id, callback_url: hook.url });

    const [first, second] = await requestsOf(hook, 2);
    // the scaled schedule alone would retry after about 5 ms
    expect(second.at - first.at).toBeGreaterThanOrEqual(1_900);
  });

  test('a retry due later than a minute waits in the PostgreSQL outbox, not in Redis, and the reconciler sends it once due', async () => {
    const hook = await receiver((n) => (n === 1 ? { status: 503, headers: { 'retry-after': '120' } } : { status: 200 }));
    const { operator, integration, taskId } = await arrange(env);
    const claimed = await env.factories.claim(integration.token, taskId, { operator_id: operator.id, callback_url: hook.url });
    await requestsOf(hook, 1);
    const waiting = await eventually(async () => {
      const event = await eventOf(env, claimed.body.claim_id);
      return event?.attempts === 1 && event.next_attempt_at > new Date(Date.now() + 100_000) ? event : undefined;
    }, 5_000, 'the first attempt to be recorded');

    await eventually(async () => ((await webhookJob(env, waiting.webhook_id)) ? undefined : true), 5_000, 'the job to leave Redis');
    // Two minutes pass.
    await env.db('webhook_events').where({ id: waiting.id }).update({ next_attempt_at: env.db.raw(`now() - interval '3 seconds'`) });
    const [, second] = await requestsOf(hook, 2);
    expect(second.headers['webhook-id']).toBe(waiting.webhook_id);
    expect((await settledEvent(env, claimed.body.claim_id)).status).toBe('delivered');
  });

  test('crash between commit and send: an outbox row without a queued job is delivered by the reconciler', async () => {
    const hook = await receiver();
    const { operator, integration, taskId } = await arrange(env);
    const [row] = await env
      .db('claim_requests')
      .insert({ task_id: taskId, operator_id: operator.id, token_id: integration.id, callback_url: hook.url })
      .returning('id');
    // The claim transaction commits here, and the process "dies" before enqueueing the webhook job.
    const [decided] = await decideQueuedClaims({ db: env.db, defaultMaxActiveTasks: env.config.MAX_ACTIVE_TASKS }, { claimIds: [row.id] });
    const webhook = decided.webhook!;
    expect(webhook).toMatchObject({ claimId: row.id, webhookId: expect.stringMatching(/^msg_/) });

    expect(await webhookJob(env, webhook.webhookId)).toBeUndefined();
    expect(await eventOf(env, row.id)).toMatchObject({ status: 'pending', attempts: 0, webhook_id: webhook.webhookId });

    const [request] = await requestsOf(hook, 1);
    expect(request.headers['webhook-id']).toBe(webhook.webhookId);
    const event = new Webhook(integration.webhook_secret).verify(request.body, signedHeaders(request)) as any;
    expect(event).toMatchObject({ type: 'claim.succeeded', data: { claim_id: row.id, status: 'succeeded' } });
    expect((await settledEvent(env, row.id)).status).toBe('delivered');
  });

  test('exactly one webhook event per claim, and none without a callback_url', async () => {
    const hook = await receiver();
    const { operator, integration, taskId } = await arrange(env);
    const withCallback = await env.factories.claim(integration.token, taskId, { operator_id: operator.id, callback_url: hook.url });
    const again = await env.factories.claim(integration.token, taskId, { operator_id: operator.id, callback_url: hook.url });
    const without = await env.factories.claim(integration.token, taskId, { operator_id: operator.id });
    expect(again.body.already_claimed).toBe(true);
    await settledEvent(env, again.body.claim_id);

    const events = await env.db('webhook_events').whereIn('claim_id', [withCallback.body.claim_id, again.body.claim_id, without.body.claim_id]);
    expect(events.map((e) => e.claim_id).sort()).toEqual([withCallback.body.claim_id, again.body.claim_id].sort());
    expect(new Set(events.map((e) => e.webhook_id)).size).toBe(2);
  });

  test('a callback to a host outside the token callback_hosts is refused at submission', async () => {
    const { operator, integration, taskId } = await arrange(env);
    const refused = await env.factories.claim(integration.token, taskId, { operator_id: operator.id, callback_url: 'https://example.com/hook' });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('callback_host_not_allowed');
    expect(await env.db('claim_requests').where({ task_id: taskId })).toHaveLength(0);
  });
});

describe('without WEBHOOK_ALLOW_PRIVATE_NETWORKS', () => {
  let env: TestEnv;
  let hook: Receiver;
  beforeAll(async () => {
    env = await makeTestEnv({ WEBHOOK_RETRY_SCALE: '0.001', WEBHOOK_MAX_ATTEMPTS: '2' });
    await env.startWorker();
    hook = await startReceiver();
  });
  afterAll(async () => {
    await hook.close();
    await env.close();
  });

  test('a callback to 127.0.0.1 is refused at delivery: the receiver never gets a request and /deliveries records why', async () => {
    const { operator, integration, taskId } = await arrange(env);
    const claimed = await env.factories.claim(integration.token, taskId, { operator_id: operator.id, callback_url: hook.url });
    expect(claimed.status).toBe(200);

    const event = await settledEvent(env, claimed.body.claim_id);
    expect(event).toMatchObject({ status: 'failed', attempts: 2, next_attempt_at: null });
    expect(hook.requests).toHaveLength(0);
    const deliveries = await env.http('GET', `/api/claims/${claimed.body.claim_id}/deliveries`, { token: integration.token });
    expect(deliveries.body.results).toHaveLength(2);
    for (const delivery of deliveries.body.results) {
      expect(delivery.status_code).toBeNull();
      expect(delivery.error).toMatch(/127\.0\.0\.1.*not allowed.*private IP address/);
    }
    expect(deliveries.body.results[1].next_attempt_at).toBeNull();
  });
});

describe('with CLAIM_DISPATCH=inline', () => {
  let env: TestEnv;
  let hook: Receiver;
  beforeAll(async () => {
    env = await makeTestEnv({ CLAIM_DISPATCH: 'inline', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_RETRY_SCALE: '0.001' });
    await env.startWorker();
    hook = await startReceiver();
  });
  afterAll(async () => {
    await hook.close();
    await env.close();
  });

  test('a claim decided inside the request is delivered from the outbox by a worker', async () => {
    const { operator, integration, taskId } = await arrange(env);
    const claimed = await env.factories.claim(integration.token, taskId, { operator_id: operator.id, callback_url: hook.url }, { prefer: 'respond-async' });
    expect(claimed.body.status).toBe('succeeded');

    const [request] = await requestsOf(hook, 1);
    const event = new Webhook(integration.webhook_secret).verify(request.body, signedHeaders(request)) as any;
    expect(event).toMatchObject({ type: 'claim.succeeded', data: { claim_id: claimed.body.claim_id } });
  });
});
