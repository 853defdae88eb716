/**
 * SPEC.md §4, who may call what: the operations endpoints need no token; a missing, unknown or revoked
 * token is 401 with WWW-Authenticate; a token acting outside its rights (admin endpoints, someone else's
 * operator_id, a callback_url, another department, a deactivated operator) is 403.
 */
import type { HttpResponse } from '../support/http';
import { claimPath, claimable, expectProblem, expectNo5xx, onContractWorld, type ContractWorld } from '../support/http-contract';
import { ADMIN_TOKEN } from '../support/test-env';

let { call, factories, countClaims, d1, operatorA, operatorB, operatorC, integration, task1, seen } = {} as ContractWorld;
onContractWorld((world) => ({ call, factories, countClaims, d1, operatorA, operatorB, operatorC, integration, task1, seen } = world));

describe('operations endpoints (no token)', () => {
  test('GET /healthz → 200', async () => {
    const response = await call('GET', '/healthz');
    expect(response.status).toBe(200);
  });

  test('GET /readyz → 200 with PostgreSQL and Redis checks ok', async () => {
    const response = await call('GET', '/readyz');
    expect(response.status).toBe(200);
    expect(response.body.checks).toEqual({ postgres: 'ok', redis: 'ok' });
  });
});

describe('401 unauthorized', () => {
  const badAuthorizations: [string, () => Record<string, string>][] = [
    ['no Authorization header', () => ({})],
    ['Basic credentials', () => ({ authorization: 'Basic x' })],
    ['Bearer with no token', () => ({ authorization: 'Bearer' })],
    ['an unknown token', () => ({ authorization: 'Bearer tc_this-token-was-never-issued-0123456789' })],
    ['an overlong token', () => ({ authorization: `Bearer ${'x'.repeat(600)}` })],
  ];

  function expectUnauthorized(response: HttpResponse): void {
    expectProblem(response, 401, 'unauthorized');
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/i);
  }

  test.each(badAuthorizations)('GET claimable with %s → 401 + WWW-Authenticate', async (_name, headers) => {
    expectUnauthorized(await call('GET', claimable, { headers: headers() }));
  });

  test.each(badAuthorizations)('POST claim with %s → 401 + WWW-Authenticate', async (_name, headers) => {
    expectUnauthorized(await call('POST', claimPath(task1.id), { headers: headers(), body: { notes: 'x' } }));
  });

  test('its title follows Accept-Language like its detail; type and code stay', async () => {
    const english = await call('GET', claimable);
    const chinese = await call('GET', claimable, { headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
    expectUnauthorized(chinese);
    expect(english.body.title).toBe('Authentication required');
    expect(chinese.body.title).toBe('需要身份验证');
    expect(chinese.body.type).toBe(english.body.type);
  });

  test('unknown /api/ route without a token → 401 (authentication comes before routing)', async () => {
    expectUnauthorized(await call('GET', '/api/nope'));
  });

  test('a revoked token → 401 on claimable and on claim', async () => {
    const created = await call('POST', '/api/admin/tokens', {
      token: ADMIN_TOKEN,
      body: { kind: 'operator', name: 'to be revoked', operator_id: operatorA.id },
    });
    expect(created.status).toBe(201);
    // Works before revocation.
    expect((await call('GET', claimable, { token: created.body.token })).status).toBe(200);
    const revoked = await call('DELETE', `/api/admin/tokens/${created.body.id}`, { token: ADMIN_TOKEN });
    expect(revoked.status).toBe(204);
    expectUnauthorized(await call('GET', claimable, { token: created.body.token }));
    expectUnauthorized(await call('POST', claimPath(task1.id), { token: created.body.token, body: { notes: 'x' } }));
    // Revoking twice: the token no longer exists as an active one.
    expectProblem(await call('DELETE', `/api/admin/tokens/${created.body.id}`, { token: ADMIN_TOKEN }), 404, 'not_found');
  });
});

describe('403 forbidden', () => {
  const adminEndpoints: [string, string, unknown][] = [
    ['PUT', '/api/admin/departments/1', { name: 'x' }],
    ['PUT', '/api/admin/operators/1', { username: 'x', department_ids: [] }],
    ['PUT', '/api/admin/tasks/1', { work_order: { id: 1, order_number: 'WO-1' }, work_content: 'x', status: 'pending', assigned_department_id: null }],
    ['PUT', '/api/admin/tasks', []],
    ['DELETE', '/api/admin/tasks/1', undefined],
    ['POST', '/api/admin/tokens', { kind: 'admin', name: 'escalate' }],
    ['DELETE', '/api/admin/tokens/1', undefined],
    ['GET', '/api/admin/anything', undefined],
  ];

  test.each(adminEndpoints)('operator token on %s %s → 403', async (method, path, body) => {
    expectProblem(await call(method, path, { token: operatorA.token, body }), 403, 'forbidden');
  });

  test.each(adminEndpoints)('integration token on %s %s → 403', async (method, path, body) => {
    expectProblem(await call(method, path, { token: integration.token, body }), 403, 'forbidden');
  });

  test('operator token sending the operator_id of someone else → 403', async () => {
    expectProblem(await call('POST', claimPath(task1.id), { token: operatorA.token, body: { operator_id: operatorB.id } }), 403, 'forbidden');
  });

  test('operator token sending its own operator_id is fine (not 403)', async () => {
    const task = await factories.newTask({ departmentId: d1.id });
    const response = await call('POST', claimPath(task.id), {
      token: operatorA.token,
      body: { operator_id: operatorA.id },
      headers: { prefer: 'wait=10' },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'succeeded', operator_id: operatorA.id, task_id: task.id });
  });

  test('operator token sending a callback_url → 403', async () => {
    expectProblem(
      await call('POST', claimPath(task1.id), { token: operatorA.token, body: { callback_url: 'https://mes.example.com/hook' } }),
      403,
      'forbidden',
    );
  });

  test('integration token claiming for an operator outside its departments → 403', async () => {
    expectProblem(await call('POST', claimPath(task1.id), { token: integration.token, body: { operator_id: operatorC.id } }), 403, 'forbidden');
  });

  test('integration token reading claimable for an operator outside its departments → 403', async () => {
    expectProblem(await call('GET', `${claimable}?operator_id=${operatorC.id}`, { token: integration.token }), 403, 'forbidden');
  });

  test('token of an operator deactivated after the token was created → 403', async () => {
    const operator = await factories.newOperator({ departmentIds: [d1.id] });
    expect((await call('GET', claimable, { token: operator.token })).status).toBe(200);
    const deactivated = await call('PUT', `/api/admin/operators/${operator.id}`, {
      token: ADMIN_TOKEN,
      body: { username: operator.username, department_ids: [d1.id], active: false },
    });
    expect(deactivated.status).toBe(200);
    const before = await countClaims();
    expectProblem(await call('GET', claimable, { token: operator.token }), 403, 'forbidden');
    expectProblem(await call('POST', claimPath(task1.id), { token: operator.token, body: { notes: 'x' } }), 403, 'forbidden');
    expectProblem(await call('GET', '/api/workorder-tasks/mine/', { token: operator.token }), 403, 'forbidden');
    expect(await countClaims()).toBe(before);
  });
});

// Runs after every test above (jest keeps declaration order).
test('no response of this file was a 5xx', () => {
  expectNo5xx(seen, 58);
});
