/**
 * GET /api/me: who a token acts as — its kind, its name and, for an operator token, its operator —
 * so the console names the signed-in operator before any task does. SPEC §4 gives an operator token no
 * other way to learn its own operator.
 */
import { createTaskclaimClient } from '@taskclaim/client';
import { ADMIN_TOKEN, makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
beforeAll(async () => {
  env = await makeTestEnv();
});
afterAll(() => env?.close());

test('an operator token: its operator, with no task assigned', async () => {
  const department = await env.factories.newDepartment();
  const operator = await env.factories.newOperator({ departmentIds: [department.id], username: 'li.wei' });
  const response = await env.http('GET', '/api/me', { token: operator.token });
  expect(response.status).toBe(200);
  expect(response.body).toEqual({
    kind: 'operator',
    name: 'token of li.wei',
    operator: { id: operator.id, username: 'li.wei', first_name: 'First', last_name: `Last${operator.id}` },
  });
  expect(await createTaskclaimClient({ baseUrl: env.baseUrl, token: operator.token }).getMe()).toEqual(response.body);
});

test('integration and admin tokens act as no operator', async () => {
  const department = await env.factories.newDepartment();
  const integration = await env.factories.newToken({ kind: 'integration', name: 'MES line 2', department_ids: [department.id] });
  expect((await env.http('GET', '/api/me', { token: integration.token })).body).toEqual({ kind: 'integration', name: 'MES line 2', operator: null });
  expect((await env.http('GET', '/api/me', { token: ADMIN_TOKEN })).body).toMatchObject({ kind: 'admin', operator: null });
});

test('no token → 401; a deactivated operator → 403', async () => {
  expect(await env.http('GET', '/api/me')).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
  const operator = await env.factories.newOperator({ active: false });
  expect(await env.http('GET', '/api/me', { token: operator.token })).toMatchObject({ status: 403, body: { code: 'forbidden' } });
});
