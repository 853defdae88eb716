/**
 * SPEC §4 "Leases": a task claimed and not started within its department's claim_lease_seconds is
 * released by an `expire` request, decided in order with the task's other requests, within 10 s after
 * the lease ends and never before — with a notification, a `task.released` event (reason
 * `lease_expired`) and a history entry. And the races of §4 Dispatch, with real concurrency: a start
 * and an expiry of one task, claim-next racing expiries, a reassign racing the holder's release, a
 * release-mine racing claims. SPEC §6: no task held by two, none released twice, no unqualified holder.
 */
import { checkInvariants } from '../../harness/invariants';
import { expectInvariants } from '../support/invariants';
import { openEventStream } from '../support/live-events';
import { pauseClaimQueues } from '../support/paused-queues';
import { ADMIN_TOKEN, eventually, makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
let worker: Awaited<ReturnType<TestEnv['startWorker']>>;
const LEASE_SECONDS = 2;
beforeAll(async () => {
  env = await makeTestEnv({ EVENTS_KEEP_ALIVE_MS: '400', RATE_LIMIT_PER_MINUTE: '100000' });
  worker = await env.startWorker();
});
afterAll(async () => {
  // Tasks the tests left claimed in a leased department (a claim-next's winner, a task claimed again)
  // have leases still running: each ends in an expiry after the last test. The invariants are read
  // once every lease has run out and every request has been decided.
  await eventually(async () => {
    const pending = (await env.db('work_order_tasks').whereNotNull('lease_expires_at').first('id')) ?? (await env.db('claim_requests').where({ status: 'queued' }).first('id'));
    return pending ? undefined : true;
  }, 30_000, 'every lease to run out and every request to be decided');
  expectInvariants(await checkInvariants(env.db, { defaultLimit: env.config.MAX_ACTIVE_TASKS }));
  await env.close();
});

const wait = { prefer: 'wait=20' };
const post = (token: string, path: string, body: Record<string, unknown> = {}) => env.http('POST', `/api/workorder-tasks/${path}`, { token, body, headers: wait });
const taskOf = async (taskId: number) => (await env.http('GET', `/api/workorder-tasks/${taskId}/`, { token: ADMIN_TOKEN })).body;
const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
const expiriesOf = (taskId: number) => env.db('claim_requests').where({ task_id: taskId, action: 'expire' }).orderBy('id');

async function leasedFloor(operators: number, tasksEach: number) {
  const department = await env.factories.newDepartment({ claimLeaseSeconds: LEASE_SECONDS });
  const people = await Promise.all(Array.from({ length: operators }, () => env.factories.newOperator({ departmentIds: [department.id], maxActiveTasks: 50 })));
  const held: { operator: (typeof people)[number]; taskId: number; leaseEnd: number }[] = [];
  for (const operator of people) {
    for (let n = 0; n < tasksEach; n++) {
      const task = await env.factories.newTask({ departmentId: department.id });
      const claimed = await env.factories.claim(operator.token, task.id);
      expect(claimed.status).toBe(200);
      held.push({ operator, taskId: task.id, leaseEnd: Date.parse(claimed.body.task.lease_expires_at) });
    }
  }
  return { department, people, held };
}

test('a lease that runs out: released within 10 s after its end, never before; notification, event, history', async () => {
  const { department, held } = await leasedFloor(1, 1);
  const [{ operator, taskId, leaseEnd }] = held;
  const claimedAt = Date.parse((await taskOf(taskId)).claimed_at);
  expect(leaseEnd - claimedAt).toBe(LEASE_SECONDS * 1000);
  const watcher = await env.factories.newOperator({ departmentIds: [department.id] });
  const floor = await openEventStream(env.baseUrl, watcher.token);
  const own = await openEventStream(env.baseUrl, operator.token);
  try {
    const released = await floor.next((e) => e.event === 'task.released' && e.data.task_id === taskId, 15_000);
    const [expiry] = await expiriesOf(taskId);
    expect(expiry).toMatchObject({ status: 'succeeded', operator_id: operator.id, token_id: null });
    expect(expiry.submitted_at.getTime()).toBeGreaterThanOrEqual(leaseEnd);
    expect(expiry.completed_at.getTime()).toBeGreaterThanOrEqual(leaseEnd);
    // the bound is the promise itself (docs/dispatch.md: released within 10 s after the lease ends), read off PostgreSQL's clock
    expect(expiry.completed_at.getTime()).toBeLessThanOrEqual(leaseEnd + 10_000);
    expect(released.data).toEqual({ task_id: taskId, operator_id: operator.id, claim_id: expiry.id, reason: 'lease_expired' });
    expect((await own.next((e) => e.event === 'claim.decided' && e.data.claim_id === expiry.id)).data).toMatchObject({ action: 'expire', status: 'succeeded' });
  } finally {
    floor.close();
    own.close();
  }
  expect(await taskOf(taskId)).toMatchObject({ assigned_operator: null, status: 'pending', claimed_at: null, lease_expires_at: null });
  const notifications = await env.http('GET', '/api/notifications/', { token: operator.token });
  expect(notifications.body.results[0]).toMatchObject({ type: 'task_released', title: `Lease ran out: Task ${taskId}` });
  const zh = await env.http('GET', '/api/notifications/', { token: operator.token, headers: { 'accept-language': 'zh' } });
  expect(zh.body.results[0].title).toBe(`认领租约已到期：Task ${taskId}`);
  for (const token of [operator.token, ADMIN_TOKEN]) {
    const history = await env.http('GET', `/api/workorder-tasks/${taskId}/claims/`, { token });
    expect(history.body.results.map((entry: { action: string }) => entry.action)).toEqual(['claim', 'expire']);
    expect(history.body.results[1]).toMatchObject({ status: 'succeeded', detail: 'The claim lease ran out: the task went back to the pool.' });
  }
  expect((await env.http('GET', '/api/workorder-tasks/claimable/', { token: watcher.token })).body.results.map((t: { id: number }) => t.id)).toContain(taskId);
});

test('a started task, and a task of a department without a lease, are never released', async () => {
  const { held } = await leasedFloor(1, 1);
  const [{ operator, taskId, leaseEnd }] = held;
  expect((await post(operator.token, `${taskId}/start/`)).body.status).toBe('succeeded');
  const plain = await env.factories.newDepartment();
  const other = await env.factories.newOperator({ departmentIds: [plain.id] });
  const unleased = await env.factories.newTask({ departmentId: plain.id });
  expect((await env.factories.claim(other.token, unleased.id)).body.task.lease_expires_at).toBeNull();
  await sleepUntil(leaseEnd + 4_000);
  await worker.leaseExpiry.sweep();
  expect(await taskOf(taskId)).toMatchObject({ status: 'in_progress', assigned_operator: { id: operator.id } });
  expect((await taskOf(unleased.id)).assigned_operator.id).toBe(other.id);
  expect(await expiriesOf(taskId)).toEqual([]);
});

test('released and claimed again before the lease ends: the old lease releases nothing; the new one runs its own time', async () => {
  const { held } = await leasedFloor(1, 1);
  const [{ operator, taskId, leaseEnd }] = held;
  expect((await post(operator.token, `${taskId}/release/`)).body.status).toBe('succeeded');
  await sleepUntil(leaseEnd - 1_000);
  const reclaimed = await env.factories.claim(operator.token, taskId);
  const newEnd = Date.parse(reclaimed.body.task.lease_expires_at);
  expect(newEnd).toBeGreaterThan(leaseEnd);
  await sleepUntil(leaseEnd + 300);
  await worker.leaseExpiry.sweep();
  expect((await taskOf(taskId)).assigned_operator?.id).toBe(operator.id);
  const expiry = await eventually(async () => (await expiriesOf(taskId)).find((row) => row.status !== 'queued'), 15_000);
  expect(expiry.status).toBe('succeeded');
  expect(expiry.completed_at.getTime()).toBeGreaterThanOrEqual(newEnd);
});

test('a start, release, reassign or claim again accepted before the expiry wins; the expiry, decided after it in order, changes nothing', async () => {
  // a longer lease: the requests below are accepted before it ends, with the claim queues paused
  const department = await env.factories.newDepartment({ claimLeaseSeconds: 8 });
  const holder = await env.factories.newOperator({ departmentIds: [department.id], maxActiveTasks: 50 });
  const target = await env.factories.newOperator({ departmentIds: [department.id], maxActiveTasks: 50 });
  const tasks = [];
  for (let n = 0; n < 4; n++) {
    const task = await env.factories.newTask({ departmentId: department.id });
    expect((await env.factories.claim(holder.token, task.id)).status).toBe(200);
    tasks.push(task.id);
  }
  const [started, released, reassigned, reclaimed] = tasks;
  const leaseEnd = Math.max(...(await Promise.all(tasks.map(async (id) => Date.parse((await taskOf(id)).lease_expires_at)))));
  const async = { prefer: 'respond-async' };
  const submit = (token: string, path: string, body: Record<string, unknown> = {}) => env.http('POST', `/api/workorder-tasks/${path}`, { token, body, headers: async });
  const resume = await pauseClaimQueues(env.api.queues.queues);
  let accepted: Awaited<ReturnType<typeof submit>>[];
  try {
    accepted = [
      await submit(holder.token, `${started}/start/`),
      await submit(holder.token, `${released}/release/`),
      await submit(ADMIN_TOKEN, `${reassigned}/reassign/`, { operator_id: target.id }),
      await submit(holder.token, `${reclaimed}/release/`),
      await submit(holder.token, `${reclaimed}/claim/`),
    ];
    expect(accepted.map((response) => response.status)).toEqual([202, 202, 202, 202, 202]);
    // the leases end while every request above still waits in its queue: each task gets its expiry, accepted after them
    expect(Date.now()).toBeLessThan(leaseEnd);
    await sleepUntil(leaseEnd + 100);
    await worker.leaseExpiry.sweep();
    expect((await env.db('claim_requests').whereIn('task_id', tasks).where({ action: 'expire', status: 'queued' }).pluck('task_id')).map(Number).sort()).toEqual([...tasks].sort());
  } finally {
    await resume();
  }
  const decided = async (taskId: number) =>
    eventually(async () => {
      const rows = await env.db('claim_requests').where({ task_id: taskId }).orderBy('id').select('action', 'status', 'code', 'operator_id');
      return rows.some((row) => row.status === 'queued') ? undefined : rows.map((row) => [row.action, row.status, row.code]);
    }, 15_000);
  const expiryOf = (code: string) => ['expire', 'rejected', code];
  expect(await decided(started)).toEqual([['claim', 'succeeded', null], ['start', 'succeeded', null], expiryOf('task_not_releasable')]);
  expect(await decided(released)).toEqual([['claim', 'succeeded', null], ['release', 'succeeded', null], expiryOf('not_assignee')]);
  expect(await decided(reassigned)).toEqual([['claim', 'succeeded', null], ['reassign', 'succeeded', null], expiryOf('not_assignee')]);
  expect(await decided(reclaimed)).toEqual([['claim', 'succeeded', null], ['release', 'succeeded', null], ['claim', 'succeeded', null], expiryOf('lease_not_expired')]);
  expect(await taskOf(started)).toMatchObject({ status: 'in_progress', assigned_operator: { id: holder.id }, lease_expires_at: null });
  expect(await taskOf(released)).toMatchObject({ assigned_operator: null });
  expect((await taskOf(reassigned)).assigned_operator.id).toBe(target.id);
  expect((await taskOf(reclaimed)).assigned_operator.id).toBe(holder.id);
  // nobody was told their lease ran out
  const expiryIds = await env.db('claim_requests').whereIn('task_id', tasks).where({ action: 'expire' }).pluck('id');
  expect(await env.db('notifications').whereIn('claim_id', expiryIds)).toEqual([]);
});

describe('races, with real concurrency', () => {
  test('a start and an expiry of the same task: one of them wins, never both', async () => {
    const { held } = await leasedFloor(4, 5);
    await sleepUntil(Math.max(...held.map((h) => h.leaseEnd)));
    const [, ...starts] = await Promise.all([worker.leaseExpiry.sweep(), ...held.map((h) => post(h.operator.token, `${h.taskId}/start/`))]);
    for (const [index, { operator, taskId }] of held.entries()) {
      const started = starts[index].body;
      const task = await eventually(async () => ((await expiriesOf(taskId)).every((row) => row.status !== 'queued') ? taskOf(taskId) : undefined));
      const expired = (await expiriesOf(taskId)).some((row) => row.status === 'succeeded');
      if (started.status === 'succeeded') {
        expect({ taskId, expired, status: task.status, holder: task.assigned_operator?.id }).toEqual({ taskId, expired: false, status: 'in_progress', holder: operator.id });
      } else {
        expect({ taskId, code: started.code, expired, holder: task.assigned_operator }).toEqual({ taskId, code: 'not_assignee', expired: true, holder: null });
      }
    }
  });

  test('claim-next racing lease expiries: nobody gets a task still held, no task goes to two', async () => {
    const { department, held } = await leasedFloor(3, 4);
    const takers = await Promise.all(Array.from({ length: 12 }, () => env.factories.newOperator({ departmentIds: [department.id], skills: [] })));
    await sleepUntil(Math.max(...held.map((h) => h.leaseEnd)));
    const [, ...responses] = await Promise.all([worker.leaseExpiry.sweep(), ...takers.map((taker) => post(taker.token, 'claim-next/'))]);
    const got = responses.filter((r) => r.body.status === 'succeeded').map((r) => r.body.task_id);
    expect(new Set(got).size).toBe(got.length);
    for (const taskId of got) {
      const freedBy = (await expiriesOf(taskId)).find((row) => row.status === 'succeeded');
      const [taken] = await env.db('claim_requests').where({ id: responses.find((r) => r.body.task_id === taskId)?.body.claim_id });
      // a task a claim-next got had been released by its lease first: decided first, whichever was accepted
      // first (a claim-next and a task's expiry are decided by different queues)
      expect(freedBy).toBeDefined();
      expect(freedBy.completed_at.getTime()).toBeLessThanOrEqual(taken.completed_at.getTime());
    }
    // every other taker found nothing left: the leases not yet decided were still held
    for (const response of responses) if (response.status !== 200) expect(response.body.code).toBe('no_claimable_task');
  });

  test('a reassign racing the holder’s release: either the release first (then the reassign takes a free task) or the reassign first (then the release is not_assignee)', async () => {
    const department = await env.factories.newDepartment();
    const target = await env.factories.newOperator({ departmentIds: [department.id], maxActiveTasks: 50 });
    const holders = await Promise.all(Array.from({ length: 12 }, () => env.factories.newOperator({ departmentIds: [department.id] })));
    const tasks = await Promise.all(holders.map(() => env.factories.newTask({ departmentId: department.id })));
    await Promise.all(holders.map((holder, index) => env.factories.claim(holder.token, tasks[index].id)));
    const outcomes = await Promise.all(
      holders.map(async (holder, index) => {
        const [released, reassigned] = await Promise.all([post(holder.token, `${tasks[index].id}/release/`), post(ADMIN_TOKEN, `${tasks[index].id}/reassign/`, { operator_id: target.id })]);
        return { holder, task: tasks[index], released: released.body, reassigned: reassigned.body };
      }),
    );
    for (const { holder, task, released, reassigned } of outcomes) {
      expect(reassigned.status).toBe('succeeded');
      expect((await taskOf(task.id)).assigned_operator.id).toBe(target.id);
      if (released.status === 'succeeded') {
        expect(released.claim_id).toBeLessThan(reassigned.claim_id);
        expect(reassigned.previous_operator_id).toBeNull();
      } else {
        expect(released.code).toBe('not_assignee');
        expect(reassigned.previous_operator_id).toBe(holder.id);
      }
    }
  });

  test('release-mine racing claims on the same tasks: each task ends with the claimer (released first) or free (claimed first), never two holders', async () => {
    const department = await env.factories.newDepartment();
    const leaving = await env.factories.newOperator({ departmentIds: [department.id], maxActiveTasks: 50 });
    const arriving = await env.factories.newOperator({ departmentIds: [department.id], maxActiveTasks: 50 });
    const tasks = await Promise.all(Array.from({ length: 12 }, () => env.factories.newTask({ departmentId: department.id })));
    for (const task of tasks) await env.factories.claim(leaving.token, task.id);
    const [handover, ...claims] = await Promise.all([
      post(leaving.token, 'release-mine/'),
      ...tasks.map((task) => env.factories.claim(arriving.token, task.id)),
    ]);
    expect(handover.status).toBe(200);
    expect(handover.body.count).toBe(12);
    for (const [index, task] of tasks.entries()) {
      const release = handover.body.results.find((r: { task_id: number }) => r.task_id === task.id);
      expect(release.status).toBe('succeeded');
      const claim = claims[index].body;
      const holder = (await taskOf(task.id)).assigned_operator?.id ?? null;
      if (claim.status === 'succeeded') {
        expect({ claimAfterRelease: claim.claim_id > release.claim_id, holder }).toEqual({ claimAfterRelease: true, holder: arriving.id });
      } else {
        expect({ code: claim.code, claimBeforeRelease: claim.claim_id < release.claim_id, holder }).toEqual({ code: 'already_claimed', claimBeforeRelease: true, holder: null });
      }
    }
  });
});
