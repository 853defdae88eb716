/**
 * GET /api/events (SPEC §4 "Live events"): Server-Sent Events fed by the decisions the workers
 * publish on Redis pub/sub. Scope per token kind, decision order, keep-alives, a worker restart under
 * an open stream, SIGTERM, and the memory 2,000 open streams take.
 */
import http from 'node:http';
import { memoryOf, openEventStream, type LiveStream, type ReceivedEvent } from '../support/live-events';
import { whilePaused } from '../support/paused-queues';
import { ADMIN_TOKEN, eventually, makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
let worker: Awaited<ReturnType<TestEnv['startWorker']>>;
const open: LiveStream[] = [];
beforeAll(async () => {
  env = await makeTestEnv({ EVENTS_KEEP_ALIVE_MS: '400', RATE_LIMIT_PER_MINUTE: '100000' });
  worker = await env.startWorker();
});
afterEach(() => {
  for (const stream of open.splice(0)) stream.close();
});
afterAll(() => env.close());

const stream = async (token: string, baseUrl = env.baseUrl) => {
  const opened = await openEventStream(baseUrl, token);
  open.push(opened);
  return opened;
};
const isEvent = (event: string, claimId: number) => (received: ReceivedEvent) => received.event === event && received.data.claim_id === claimId;
const kinds = (received: LiveStream, claimIds: number[]) =>
  received.events.filter((event) => claimIds.includes(event.data.claim_id)).map((event) => `${event.event}:${event.data.claim_id}`);

test('a stream answers 200 text/event-stream at once, and a token is needed', async () => {
  const operator = await env.factories.newOperator();
  const received = await stream(operator.token);
  expect(received.status).toBe(200);
  expect(received.headers.get('content-type')).toMatch(/^text\/event-stream/);
  expect(received.headers.get('cache-control')).toContain('no-cache');
  expect((await fetch(`${env.baseUrl}/api/events`)).status).toBe(401);
});

test('a keep-alive comment comes at every EVENTS_KEEP_ALIVE_MS (at most 25 s)', async () => {
  const received = await stream(ADMIN_TOKEN);
  await eventually(async () => (received.comments.filter((comment) => comment === 'keep-alive').length >= 2 ? true : undefined), 5_000, 'two keep-alives');
});

describe('scope', () => {
  let d1: { id: number };
  let d2: { id: number };
  let a: { id: number; token: string; username: string };
  let b: { id: number; token: string; username: string };
  let c: { id: number; token: string };
  let integration1: { id: number; token: string };
  let integration2: { id: number; token: string };
  beforeAll(async () => {
    d1 = await env.factories.newDepartment();
    d2 = await env.factories.newDepartment();
    [a, b] = await Promise.all([1, 2].map(() => env.factories.newOperator({ departmentIds: [d1.id] })));
    c = await env.factories.newOperator({ departmentIds: [d2.id] });
    integration1 = await env.factories.newToken({ kind: 'integration', name: 'MES of D1', department_ids: [d1.id] });
    integration2 = await env.factories.newToken({ kind: 'integration', name: 'MES of D2', department_ids: [d2.id] });
  });

  test('task events reach the streams of the task’s department and admins; claim.decided only the caller’s own requests; nothing of another department', async () => {
    const [ofA, ofB, ofC, ofAdmin, ofIntegration1, ofIntegration2] = await Promise.all([a, b, c, { token: ADMIN_TOKEN }, integration1, integration2].map((who) => stream(who.token)));
    const t1 = await env.factories.newTask({ departmentId: d1.id });
    const t2 = await env.factories.newTask({ departmentId: d1.id });
    const byB = (await env.factories.claim(b.token, t1.id)).body; // B, with its own token
    const forA = (await env.factories.claim(integration1.token, t2.id, { operator_id: a.id })).body; // the integration, for A
    const released = (await env.http('POST', `/api/workorder-tasks/${t1.id}/release/`, { token: b.token, body: {}, headers: { prefer: 'wait=20' } })).body;
    // the last decision reaches every stream of D2 and the admins: once it arrived, everything before it has too
    const t3 = await env.factories.newTask({ departmentId: d2.id });
    const sentinel = (await env.factories.claim(c.token, t3.id)).body;
    await Promise.all([ofC, ofIntegration2, ofAdmin].map((received) => received.next(isEvent('task.claimed', sentinel.claim_id))));
    await Promise.all([ofA, ofB, ofIntegration1].map((received) => received.next(isEvent('task.released', released.claim_id))));
    await ofA.next(isEvent('claim.decided', forA.claim_id));
    await ofIntegration1.next(isEvent('claim.decided', forA.claim_id));

    const ids = [byB.claim_id, forA.claim_id, released.claim_id, sentinel.claim_id];
    const d1Tasks = [`task.claimed:${byB.claim_id}`, `task.claimed:${forA.claim_id}`, `task.released:${released.claim_id}`];
    expect(kinds(ofA, ids).sort()).toEqual([...d1Tasks, `claim.decided:${forA.claim_id}`].sort());
    expect(kinds(ofB, ids).sort()).toEqual([...d1Tasks, `claim.decided:${byB.claim_id}`, `claim.decided:${released.claim_id}`].sort());
    expect(kinds(ofIntegration1, ids).sort()).toEqual([...d1Tasks, `claim.decided:${forA.claim_id}`].sort());
    expect(kinds(ofAdmin, ids).sort()).toEqual([...d1Tasks, `task.claimed:${sentinel.claim_id}`].sort());
    expect(kinds(ofC, ids).sort()).toEqual([`task.claimed:${sentinel.claim_id}`, `claim.decided:${sentinel.claim_id}`].sort());
    expect(kinds(ofIntegration2, ids)).toEqual([`task.claimed:${sentinel.claim_id}`]);

    const claimed = await ofA.next(isEvent('task.claimed', byB.claim_id));
    expect(claimed).toEqual({ event: 'task.claimed', id: `${byB.claim_id}-task.claimed`, data: { task_id: t1.id, operator_id: b.id, username: b.username, claim_id: byB.claim_id } });
    expect((await ofA.next(isEvent('task.released', released.claim_id))).data).toEqual({ task_id: t1.id, operator_id: b.id, claim_id: released.claim_id, reason: 'released' });
    const decided = await ofA.next(isEvent('claim.decided', forA.claim_id));
    expect(decided.data).toMatchObject({ claim_id: forA.claim_id, action: 'claim', status: 'succeeded', detail: 'Task claimed successfully.', task: { id: t2.id } });
    for (const received of [ofA, ofB, ofC, ofAdmin, ofIntegration1, ofIntegration2]) for (const event of received.events) expect(event.id).toEqual(expect.any(String));
  });

  test('rejections are claim.decided for the caller only, never task events', async () => {
    const ofA = await stream(a.token);
    const ofB = await stream(b.token);
    const task = await env.factories.newTask({ departmentId: d1.id, assignedOperatorId: b.id });
    const lost = (await env.factories.claim(a.token, task.id, {}, { 'accept-language': 'zh' })).body;
    const decided = await ofA.next(isEvent('claim.decided', lost.claim_id));
    expect(decided.data).toMatchObject({ status: 'rejected', code: 'already_claimed', detail: `This task has already been claimed by ${b.username}.` });
    const marker = (await env.factories.claim(b.token, (await env.factories.newTask({ departmentId: d1.id })).id)).body;
    await ofB.next(isEvent('task.claimed', marker.claim_id));
    expect(kinds(ofB, [lost.claim_id])).toEqual([]);
  });

  test('an operator removed from a department stops getting its events, and a revoked token’s stream ends, by the next keep-alive', async () => {
    const moving = await env.factories.newOperator({ departmentIds: [d1.id] });
    const ofMoving = await stream(moving.token);
    await env.http('PUT', `/api/admin/operators/${moving.id}`, { token: ADMIN_TOKEN, body: { username: moving.username, department_ids: [d2.id] } });
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // two keep-alives
    const task = await env.factories.newTask({ departmentId: d1.id });
    const claimed = (await env.factories.claim(a.token, task.id)).body;
    const ofAdmin = await stream(ADMIN_TOKEN);
    const other = (await env.factories.claim(c.token, (await env.factories.newTask({ departmentId: d2.id })).id)).body;
    await ofAdmin.next(isEvent('task.claimed', other.claim_id));
    await ofMoving.next(isEvent('task.claimed', other.claim_id)); // now in D2
    expect(kinds(ofMoving, [claimed.claim_id])).toEqual([]);

    const revoked = await env.factories.newToken({ kind: 'integration', name: 'short-lived', department_ids: [d1.id] });
    const ofRevoked = await stream(revoked.token);
    expect((await env.http('DELETE', `/api/admin/tokens/${revoked.id}`, { token: ADMIN_TOKEN })).status).toBe(204);
    await ofRevoked.ended;
  });
});

test('one task’s events come in decision order: claim, release and claim decided in one batch', async () => {
  const department = await env.factories.newDepartment();
  const [first, second] = await Promise.all([1, 2].map(() => env.factories.newOperator({ departmentIds: [department.id] })));
  const task = await env.factories.newTask({ departmentId: department.id });
  const received = await stream(ADMIN_TOKEN);
  const ids: number[] = [];
  await whilePaused(env, async () => {
    for (const [token, path] of [[first.token, 'claim'], [first.token, 'release'], [second.token, 'claim']] as const) {
      ids.push((await env.http('POST', `/api/workorder-tasks/${task.id}/${path}/`, { token, body: {}, headers: { prefer: 'respond-async' } })).body.claim_id);
    }
  });
  await received.next(isEvent('task.claimed', ids[2]));
  expect(kinds(received, ids)).toEqual([`task.claimed:${ids[0]}`, `task.released:${ids[1]}`, `task.claimed:${ids[2]}`]);
});

test('a stream stays open across a worker restart and hears the decisions of the new worker', async () => {
  const department = await env.factories.newDepartment();
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const received = await stream(operator.token);
  await worker.close();
  const task = await env.factories.newTask({ departmentId: department.id });
  const accepted = (await env.factories.claim(operator.token, task.id, {}, { prefer: 'respond-async' })).body;
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(kinds(received, [accepted.claim_id])).toEqual([]);
  worker = await env.startWorker();
  await received.next(isEvent('claim.decided', accepted.claim_id));
  await received.next(isEvent('task.claimed', accepted.claim_id));
  expect(env.api.events.count()).toBeGreaterThanOrEqual(1);
});

test('an API process started as `npm run start:api` does ends its streams cleanly on SIGTERM and exits 0', async () => {
  const api = await env.spawnApi();
  const received = await openEventStream(api.baseUrl, ADMIN_TOKEN);
  const department = await env.factories.newDepartment();
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const claimed = (await env.factories.claim(operator.token, (await env.factories.newTask({ departmentId: department.id })).id)).body;
  // decided by this file's worker, heard by the other process
  await received.next(isEvent('task.claimed', claimed.claim_id));
  api.child.kill('SIGTERM');
  await received.ended;
  expect(await api.exited).toBe(0);
});

/** One raw SSE connection: resolves once the headers arrived; counts the task.claimed events it gets. */
function rawStream(port: number, token: string): Promise<{ claimed: () => number; destroy: () => void }> {
  return new Promise((resolve, reject) => {
    let claimed = 0;
    const request = http.get({ host: '127.0.0.1', port, path: '/api/events', agent: false, headers: { authorization: `Bearer ${token}` } }, (response) => {
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (claimed += chunk.split('event: task.claimed').length - 1));
      resolve({ claimed: () => claimed, destroy: () => request.destroy() });
    });
    request.on('error', reject);
  });
}


test('2,000 streams open on one API process: the memory each takes, and one decision reaching all of them', async () => {
  // one token holds them all here; MAX_STREAMS_PER_TOKEN is event-stream-limits.test.ts's
  const api = await env.spawnApi({ MAX_STREAMS_PER_TOKEN: '5000' });
  const port = Number(new URL(api.baseUrl).port);
  const warmup = await Promise.all(Array.from({ length: 20 }, () => rawStream(port, ADMIN_TOKEN)));
  warmup.forEach((connection) => connection.destroy());
  await new Promise((resolve) => setTimeout(resolve, 500));
  const before = await memoryOf(api.baseUrl);
  const connections: Awaited<ReturnType<typeof rawStream>>[] = [];
  try {
    for (let i = 0; i < 2_000; i += 200) connections.push(...(await Promise.all(Array.from({ length: 200 }, () => rawStream(port, ADMIN_TOKEN)))));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = await memoryOf(api.baseUrl);
    const department = await env.factories.newDepartment();
    const operator = await env.factories.newOperator({ departmentIds: [department.id] });
    const started = performance.now();
    await env.factories.claim(operator.token, (await env.factories.newTask({ departmentId: department.id })).id);
    await eventually(async () => (connections.every((connection) => connection.claimed() >= 1) ? true : undefined), 20_000, 'every stream to hear the claim');
    const fanOutMs = Math.round(performance.now() - started);
    const perStream = (bytes: number) => `${((bytes / 2_000) / 1024).toFixed(1)} KiB`;
    console.info(
      `2,000 open streams on one API process: RSS ${Math.round(before.rss / 2 ** 20)} → ${Math.round(after.rss / 2 ** 20)} MiB ` +
        `(${perStream(after.rss - before.rss)} per stream), JS heap ${Math.round(before.heap / 2 ** 20)} → ${Math.round(after.heap / 2 ** 20)} MiB ` +
        `(${perStream(after.heap - before.heap)} per stream); one claim reached all 2,000 in ${fanOutMs} ms (claim included)`,
    );
    expect(after.rss - before.rss).toBeLessThan(2_000 * 256 * 1024);
  } finally {
    connections.forEach((connection) => connection.destroy());
    api.child.kill('SIGTERM');
    await api.exited;
  }
}, 120_000);
