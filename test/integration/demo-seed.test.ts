/**
 * The demo `npm start` seeds on an empty database (and compose's demo job): enough work for a real
 * first session, through the API as its printed tokens see it. The README's commands themselves run
 * against `npm start` in first-session.test.ts.
 */
import { isEmptyDatabase, seedDemo, type DemoSeed } from '../../scripts/demo-seed';
import { makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
let seed: DemoSeed;
beforeAll(async () => {
  env = await makeTestEnv();
  expect(await isEmptyDatabase(env.db)).toBe(true);
  seed = await seedDemo(env.db, { createAdminToken: true });
});
afterAll(() => env.close());

test('several departments and a dozen or more tasks, with priorities, due times, skills and one task in progress', async () => {
  const departments = await env.db('departments').whereBetween('id', [9000, 9999]).pluck('id');
  expect(departments.length).toBeGreaterThanOrEqual(2);
  const tasks = await env.db('work_order_tasks').select('status', 'priority', 'due_at', 'required_skills', 'assigned_operator_id', 'assigned_department_id');
  expect(tasks.length).toBeGreaterThanOrEqual(12);
  expect(new Set(tasks.map((task) => task.assigned_department_id)).size).toBe(departments.length);
  expect(new Set(tasks.map((task) => task.priority)).size).toBeGreaterThanOrEqual(5);
  expect(tasks.filter((task) => task.due_at !== null).length).toBeGreaterThanOrEqual(6);
  expect(tasks.filter((task) => task.required_skills.length > 0).length).toBeGreaterThanOrEqual(2);
  const inProgress = tasks.filter((task) => task.status === 'in_progress');
  expect(inProgress).toHaveLength(1);
  expect(inProgress[0].assigned_operator_id).not.toBeNull();
  expect(await isEmptyDatabase(env.db)).toBe(false);
});

test('the printed tokens are the README’s operators, each with several tasks to claim; the admin token works', async () => {
  expect([seed.operatorToken.operatorId, seed.operatorToken.username]).toEqual([9001, 'demo-li.wei']);
  expect([seed.otherToken.operatorId, seed.otherToken.username]).toEqual([9002, 'demo-ana.garcia']);
  for (const { token } of [seed.operatorToken, seed.otherToken]) {
    const claimable = await env.http('GET', '/api/workorder-tasks/claimable/', { token });
    expect(claimable.status).toBe(200);
    expect(claimable.body.claimable_count).toBeGreaterThanOrEqual(4);
  }
  // both may claim in Assembly (9001), the department of the README's claim-next
  const assembly = await env.http('GET', '/api/workorder-tasks/claimable/?page_size=100', { token: seed.otherToken.token });
  expect(assembly.body.results.filter((task: { assigned_department: { id: number } }) => task.assigned_department.id === 9001).length).toBeGreaterThanOrEqual(4);
  expect((await env.http('GET', '/api/workorder-tasks/9001/', { token: seed.adminToken! })).status).toBe(200);
});
