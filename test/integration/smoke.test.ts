import { makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
beforeAll(async () => {
  env = await makeTestEnv();
  await env.startWorker();
});
afterAll(() => env.close());

test('a claim goes through the queue and succeeds', async () => {
  const department = await env.factories.newDepartment();
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const task = await env.factories.newTask({ departmentId: department.id });
  const response = await env.factories.claim(operator.token, task.id, { notes: 'hi' });
  expect(response.status).toBe(200);
  expect(response.body).toMatchObject({ status: 'succeeded', already_claimed: false, task_id: task.id });
});
