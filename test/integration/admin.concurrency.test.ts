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
