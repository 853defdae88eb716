/**
 * SPEC §4 "Leases" under faults: PostgreSQL's lease_expires_at is the truth, so a lease still expires
 * within 10 s after its end — never before — when the worker that scheduled its delayed job is
 * SIGKILLed mid-lease, and when Redis loses every key (the delayed jobs with it).
 */
import { ADMIN_TOKEN } from '../support/test-env';
import { reportFigures } from './support/report';
import { expectInvariants, startWorld, type World } from './support/world';

let world: World;
afterEach(() => world?.close());

const LEASE_SECONDS = 6;
const TASKS = 30;

/** A leased department, an operator per task, each task claimed through the API: the leases' ends. */
async function claimUnderLease(): Promise<Map<number, number>> {
  await world.admin('PUT', '/api/admin/departments/1', { name: 'Welding', claim_lease_seconds: LEASE_SECONDS });
  const tasks = Array.from({ length: TASKS }, (_, i) => ({
    id: i + 1,
    work_order: { id: 1, order_number: 'WO-1' },
    work_content: `weld ${i + 1}`,
    status: 'pending',
    assigned_department_id: 1,
  }));
  await world.admin('PUT', '/api/admin/tasks', tasks);
  const leaseEnds = new Map<number, number>();
  for (const task of tasks) {
    await world.admin('PUT', `/api/admin/operators/${task.id}`, { username: `welder${task.id}`, department_ids: [1] });
    const response = await fetch(`${world.baseUrl}/api/workorder-tasks/${task.id}/claim/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', prefer: 'wait=20' },
      body: JSON.stringify({ operator_id: task.id }),
    });
    const claim = (await response.json()) as { status: string; task: { lease_expires_at: string } };
    expect(claim.status).toBe('succeeded');
    leaseEnds.set(task.id, Date.parse(claim.task.lease_expires_at));
  }
  return leaseEnds;
}

/** Every lease released by its expiry, each decided between its end and 10 s after; the latest, in seconds after the end. */
async function expectAllExpiredOnTime(leaseEnds: Map<number, number>): Promise<number> {
  const deadline = Math.max(...leaseEnds.values()) + 10_000;
  for (;;) {
    const open = await world.db()('work_order_tasks').whereIn('id', [...leaseEnds.keys()]).whereNotNull('assigned_operator_id').count({ n: '*' });
    if (Number(open[0].n) === 0 || Date.now() > deadline + 5_000) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const expiries: { task_id: number; status: string; submitted_at: Date; completed_at: Date | null }[] = await world
    .db()('claim_requests')
    .where({ action: 'expire' })
    .select('task_id', 'status', 'submitted_at', 'completed_at');
  expect(expiries.map((row) => row.task_id).sort((a, b) => a - b)).toEqual([...leaseEnds.keys()]);
  let latest = 0;
  for (const row of expiries) {
    const end = leaseEnds.get(row.task_id) as number;
    expect({ task: row.task_id, status: row.status, early: row.submitted_at.getTime() < end }).toEqual({ task: row.task_id, status: 'succeeded', early: false });
    const after = ((row.completed_at as Date).getTime() - end) / 1000;
    expect({ task: row.task_id, withinTenSeconds: after <= 10 }).toEqual({ task: row.task_id, withinTenSeconds: true });
    latest = Math.max(latest, after);
  }
  expectInvariants(await world.invariants());
  return latest;
}

test('the worker that scheduled the leases is SIGKILLed mid-lease: a new worker expires them on time', async () => {
  world = await startWorld();
  await world.startApi();
  const doomed = await world.startWorker();
  const leaseEnds = await claimUnderLease();
  doomed.child.kill('SIGKILL');
  await doomed.exited;
  await world.startWorker();
  const latest = await expectAllExpiredOnTime(leaseEnds);
  reportFigures('lease-expiry-worker-killed', { leases: TASKS, leaseSeconds: LEASE_SECONDS, latestExpirySecondsAfterLeaseEnd: latest });
});

test('Redis loses every key mid-lease (the delayed jobs too): the sweep expires the leases on time', async () => {
  world = await startWorld();
  await world.startApi();
  await world.startWorker();
  const leaseEnds = await claimUnderLease();
  expect((await world.redisKeys('*lease-*')).length).toBeGreaterThan(0);
  await world.redis.flushAll();
  expect(await world.redisKeys('*lease-*')).toEqual([]);
  const latest = await expectAllExpiredOnTime(leaseEnds);
  reportFigures('lease-expiry-redis-flush', { leases: TASKS, leaseSeconds: LEASE_SECONDS, latestExpirySecondsAfterLeaseEnd: latest });
});
