import { ADMIN_TOKEN, eventually, makeTestEnv, type TestEnv } from '../support/test-env';

/** Admin upserts racing other writers of the same rows, over real HTTP against real PostgreSQL. */
let env: TestEnv;
beforeAll(async () => {
  env = await makeTestEnv({ RATE_LIMIT_PER_MINUTE: '1000000' });
  await env.startWorker();
});
afterAll(() => env.close());

const admin = (method: string, path: string, body?: unknown) => env.http(method, path, { token: ADMIN_TOKEN, body });

/** Resolves once `count` statements of this file's database wait on a lock. */
const lockWaiters = (count: number) =>
  eventually(async () => {
    const { rows } = await env.db.raw("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
    return rows[0].n >= count ? true : undefined;
  }, 10_000, `${count} statements waiting on a lock`);

test('a task upsert whose commit lets a waiting delete through answers 200 with the task as written, never 500', async () => {
  const [before, after] = [await env.factories.newDepartment(), await env.factories.newDepartment()];
  const task = await env.factories.newTask({ departmentId: before.id });
  const blocker = await env.db.transaction();
  try {
    // The upsert moves the task to `after`: its foreign-key check waits on this lock while it holds the task row ...
    await blocker('departments').where({ id: after.id }).forUpdate();
    const upsert = admin('PUT', `/api/admin/tasks/${task.id}`, {
      work_order: { id: task.workOrderId, order_number: `WO-${task.workOrderId}` },
      work_content: 'Moved',
      status: 'pending',
      assigned_department_id: after.id,
    });
    await lockWaiters(1);
    // ... so the delete waits on the task row, and runs the moment the upsert commits.
    const deleted = admin('DELETE', `/api/admin/tasks/${task.id}`);
    await lockWaiters(2);
    await blocker.commit();
    const [upserted, deletion] = await Promise.all([upsert, deleted]);
    expect(upserted.status).toBe(200);
    expect(upserted.body).toMatchObject({ id: task.id, work_content: 'Moved', assigned_department: { id: after.id } });
    expect(deletion.status).toBe(204);
    expect(await env.db('work_order_tasks').where({ id: task.id }).first()).toBeUndefined();
  } finally {
    if (!blocker.isCompleted()) await blocker.rollback();
  }
});

const deadlocks = async (): Promise<number> => {
  await env.db.raw('SELECT pg_stat_clear_snapshot()');
  const { rows } = await env.db.raw('SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()');
  return rows[0].n;
};

test('bulk task upserts in opposite id orders, racing claims on the same tasks, never deadlock', async () => {
  const department = await env.factories.newDepartment();
  const operators = await Promise.all(Array.from({ length: 8 }, () => env.factories.newOperator({ departmentIds: [department.id], maxActiveTasks: 1000 })));
  const workOrderIds = [env.factories.nextId(), env.factories.nextId()];
  // Omitting assigned_operator_id keeps the assignee, so the syncs never undo the claims they race.
  const tasks = Array.from({ length: 150 }, (_, index) => {
    const workOrderId = workOrderIds[index % 2];
    return {
      id: env.factories.nextId(),
      work_order: { id: workOrderId, order_number: `WO-${workOrderId}` },
      work_content: `Synced ${index}`,
      status: 'pending',
      assigned_department_id: department.id,
    };
  });
  expect((await admin('PUT', '/api/admin/tasks', tasks)).status).toBe(200);
  const deadlocksBefore = await deadlocks();

  const upsertStatuses: number[] = [];
  const claimStatuses: number[] = [];
  for (let round = 0; round < 4; round++) {
    const syncs = Array.from({ length: 6 }, (_, index) => {
      const ordered = index % 2 ? [...tasks].reverse() : tasks;
      return admin('PUT', '/api/admin/tasks', ordered.map((task) => ({ ...task, work_content: `${task.work_content} r${round}` })));
    });
    const claims = operators.flatMap((operator, index) =>
      tasks.filter((_, taskIndex) => taskIndex % operators.length === (index + round) % operators.length).slice(0, 6).map((task) => env.factories.claim(operator.token, task.id)),
    );
    for (const response of await Promise.all(syncs)) upsertStatuses.push(response.status);
    for (const response of await Promise.all(claims)) claimStatuses.push(response.status);
  }
  expect(upsertStatuses.filter((status) => status !== 200)).toEqual([]);
  // A claim is decided by the rules (200 won, 400 rejected), never failed by a lock cycle.
  expect(claimStatuses.filter((status) => status !== 200 && status !== 400)).toEqual([]);
  expect(claimStatuses).toContain(200);
  expect(await deadlocks()).toBe(deadlocksBefore);
});
