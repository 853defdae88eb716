/**
 * SPEC §4 Scope: an integration token acts only inside its departments, whoever the operator — even
 * an operator who is also in another department. Admin tokens see everything; operator tokens are
 * unchanged. Driven over real HTTP against real PostgreSQL and Redis.
 */
import { ADMIN_TOKEN, makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
// D1 and D2; operator X is in both; the integration token belongs to D1 only.
let d1: { id: number };
let d2: { id: number };
let operatorX: { id: number; token: string };
let integration: { token: string };
let taskOfD1: { id: number };
let taskOfD2: { id: number };
let claimableOfD2: { id: number };
let taskWithoutDepartment: { id: number };

const countClaims = async (taskId: number): Promise<number> => Number((await env.db('claim_requests').where({ task_id: taskId }).count({ n: '*' }))[0].n);
const idsOf = (body: { results: { id?: number; task_id?: number }[] }) => body.results.map((row) => row.task_id ?? row.id).sort();

beforeAll(async () => {
  env = await makeTestEnv();
  await env.startWorker();
  d1 = await env.factories.newDepartment();
  d2 = await env.factories.newDepartment();
  operatorX = await env.factories.newOperator({ departmentIds: [d1.id, d2.id] });
  integration = await env.factories.newToken({ kind: 'integration', name: 'MES of D1', department_ids: [d1.id] });
  taskOfD1 = await env.factories.newTask({ departmentId: d1.id });
  taskOfD2 = await env.factories.newTask({ departmentId: d2.id });
  claimableOfD2 = await env.factories.newTask({ departmentId: d2.id });
  taskWithoutDepartment = await env.factories.newTask({ departmentId: null });
  // X holds one task of each department, each with its task_assigned notification.
  expect((await env.factories.claim(integration.token, taskOfD1.id, { operator_id: operatorX.id })).body.status).toBe('succeeded');
  expect((await env.factories.claim(ADMIN_TOKEN, taskOfD2.id, { operator_id: operatorX.id })).body.status).toBe('succeeded');
});
afterAll(() => env?.close());

describe('an integration token of D1, acting for an operator of D1 and D2', () => {
  test('claiming a D2 task → 403 forbidden, and no claim is stored', async () => {
    for (const prefer of ['wait=5', 'respond-async']) {
      const response = await env.factories.claim(integration.token, claimableOfD2.id, { operator_id: operatorX.id }, { prefer });
      expect({ status: response.status, code: response.body.code }).toEqual({ status: 403, code: 'forbidden' });
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body.detail).toMatch(/department/);
    }
    const withoutDepartment = await env.factories.claim(integration.token, taskWithoutDepartment.id, { operator_id: operatorX.id });
    expect({ status: withoutDepartment.status, code: withoutDepartment.body.code }).toEqual({ status: 403, code: 'forbidden' });
    expect(await countClaims(claimableOfD2.id)).toBe(0);
    expect(await countClaims(taskWithoutDepartment.id)).toBe(0);
  });

  test('mine/ lists only the D1 task', async () => {
    const mine = await env.http('GET', `/api/workorder-tasks/mine/?operator_id=${operatorX.id}`, { token: integration.token });
    expect(mine.status).toBe(200);
    expect(idsOf(mine.body)).toEqual([taskOfD1.id]);
    expect(mine.body.active_count).toBe(1);
  });

  test('notifications/ lists only the notification of the D1 task', async () => {
    const notifications = await env.http('GET', `/api/notifications/?operator_id=${operatorX.id}`, { token: integration.token });
    expect(notifications.status).toBe(200);
    expect(idsOf(notifications.body)).toEqual([taskOfD1.id]);
    expect(notifications.body.count).toBe(1);
  });

  test('claimable/ lists only D1 tasks', async () => {
    const spare = await env.factories.newTask({ departmentId: d1.id });
    const claimable = await env.http('GET', `/api/workorder-tasks/claimable/?operator_id=${operatorX.id}&page_size=100`, { token: integration.token });
    expect(claimable.status).toBe(200);
    expect(idsOf(claimable.body)).toEqual([spare.id]);
    expect(claimable.body.count).toBe(1);
  });

  test('GET a task outside D1 → 404 task_not_found; a D1 task → 200', async () => {
    for (const task of [taskOfD2, claimableOfD2, taskWithoutDepartment]) {
      const response = await env.http('GET', `/api/workorder-tasks/${task.id}/`, { token: integration.token });
      expect({ status: response.status, code: response.body.code }).toEqual({ status: 404, code: 'task_not_found' });
    }
    expect((await env.http('GET', `/api/workorder-tasks/${taskOfD1.id}/`, { token: integration.token })).status).toBe(200);
  });
});

describe('other tokens are not narrowed', () => {
  test('an admin token claims and reads in every department', async () => {
    expect((await env.http('GET', `/api/workorder-tasks/${taskWithoutDepartment.id}/`, { token: ADMIN_TOKEN })).status).toBe(200);
    const mine = await env.http('GET', `/api/workorder-tasks/mine/?operator_id=${operatorX.id}`, { token: ADMIN_TOKEN });
    expect(idsOf(mine.body)).toEqual([taskOfD1.id, taskOfD2.id].sort());
    const notifications = await env.http('GET', `/api/notifications/?operator_id=${operatorX.id}`, { token: ADMIN_TOKEN });
    expect(idsOf(notifications.body)).toEqual([taskOfD1.id, taskOfD2.id].sort());
  });

  test("the operator's own token sees both departments' tasks and notifications", async () => {
    const mine = await env.http('GET', '/api/workorder-tasks/mine/', { token: operatorX.token });
    expect(idsOf(mine.body)).toEqual([taskOfD1.id, taskOfD2.id].sort());
    expect(mine.body.active_count).toBe(2);
    const notifications = await env.http('GET', '/api/notifications/', { token: operatorX.token });
    expect(idsOf(notifications.body)).toEqual([taskOfD1.id, taskOfD2.id].sort());
    expect((await env.http('GET', `/api/workorder-tasks/${taskOfD2.id}/`, { token: operatorX.token })).status).toBe(200);
  });
});
