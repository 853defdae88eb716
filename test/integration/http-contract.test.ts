/**
 * The HTTP error contract of SPEC.md §4, driven over real HTTP against the in-process API with real
 * PostgreSQL and Redis: every rejection is an RFC 9457 problem with a stable code, nothing rejected
 * leaves a claim behind, and no request, however malformed, gets a 5xx.
 */
import { makeFactories, type Factories } from '../support/factories';
import type { HttpResponse, RequestOptions } from '../support/http';
import { ADMIN_TOKEN, makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
let factories: Factories;

/** Every response of this file, so the last test can prove none was a 5xx. */
const seen: { method: string; path: string; status: number }[] = [];

async function call(method: string, path: string, options: RequestOptions = {}): Promise<HttpResponse> {
  const response = await env.http(method, path, options);
  seen.push({ method, path, status: response.status });
  return response;
}

/** Status, media type and the RFC 9457 members; the code is compared together with the status for a readable failure. */
function expectProblem(response: HttpResponse, status: number, code: string): void {
  expect({ status: response.status, code: response.body?.code }).toEqual({ status, code });
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect(response.body).toEqual(
    expect.objectContaining({
      type: expect.any(String),
      title: expect.any(String),
      status,
      detail: expect.any(String),
      code,
    }),
  );
  expect(response.body.type.length).toBeGreaterThan(0);
  expect(response.body.title.length).toBeGreaterThan(0);
  expect(response.body.detail.length).toBeGreaterThan(0);
}

/** A 400 validation_error with its `errors: [{path, message}]`; `pathPrefix` names the part of the request at fault. */
function expectValidation(response: HttpResponse, pathPrefix?: string): void {
  expectProblem(response, 400, 'validation_error');
  expect(Array.isArray(response.body.errors)).toBe(true);
  expect(response.body.errors.length).toBeGreaterThan(0);
  for (const error of response.body.errors) {
    expect(error).toEqual({ path: expect.any(String), message: expect.any(String) });
  }
  if (pathPrefix) {
    expect(response.body.errors.map((error: { path: string }) => error.path)).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`^${pathPrefix.replace(/\./g, '\\.')}`))]),
    );
  }
}

const claimPath = (taskId: number | string) => `/api/workorder-tasks/${taskId}/claim/`;
const claimable = '/api/workorder-tasks/claimable/';
const countClaims = async (): Promise<number> => Number((await env.db('claim_requests').count({ n: '*' }))[0].n);

/** Ids far above anything the factories make (they count up from 1000). */
const MISSING_ID = 987_654_321;

// Shared world: two departments, operators A and B in D1, C in D2, an integration token of D1.
let d1: { id: number; name: string };
let d2: { id: number; name: string };
let operatorA: { id: number; username: string; token: string };
let operatorB: { id: number; username: string; token: string };
let operatorC: { id: number; username: string; token: string };
let integration: { id: number; token: string; webhook_secret?: string };
let task1: { id: number; workOrderId: number };

beforeAll(async () => {
  // This file sends a few hundred requests with the same tokens: keep them clear of the per-token rate limit.
  env = await makeTestEnv({ RATE_LIMIT_PER_MINUTE: '100000' });
  // The same admin-API factories as everywhere, but through `call`, so their responses are checked for 5xx too.
  factories = makeFactories(call, ADMIN_TOKEN);
  await env.startWorker();
  d1 = await factories.newDepartment();
  d2 = await factories.newDepartment();
  operatorA = await factories.newOperator({ departmentIds: [d1.id] });
  operatorB = await factories.newOperator({ departmentIds: [d1.id] });
  operatorC = await factories.newOperator({ departmentIds: [d2.id] });
  integration = await factories.newToken({ kind: 'integration', name: 'MES of D1', department_ids: [d1.id], callback_hosts: ['mes.example.com'] });
  task1 = await factories.newTask({ departmentId: d1.id });
});
afterAll(() => env?.close());

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

describe('400 validation_error', () => {
  test('integration token without operator_id on claim → 400', async () => {
    expectValidation(await call('POST', claimPath(task1.id), { token: integration.token, body: { notes: 'x' } }), 'body.operator_id');
  });

  test('admin token without operator_id on claim → 400', async () => {
    expectValidation(await call('POST', claimPath(task1.id), { token: ADMIN_TOKEN, body: { notes: 'x' } }), 'body.operator_id');
  });

  test('admin token without a body at all on claim → 400', async () => {
    expectValidation(await call('POST', claimPath(task1.id), { token: ADMIN_TOKEN }), 'body.operator_id');
  });

  const badIds = ['abc', '0', '-1', '1.5', '12345678901234567890', '9007199254740992', '01', '1e3', '%20'];
  const idEndpoints: [string, (id: string) => string][] = [
    ['POST', (id) => claimPath(id)],
    ['GET', (id) => `/api/workorder-tasks/${id}/`],
    ['GET', (id) => `/api/claims/${id}`],
  ];
  const idCases = idEndpoints.flatMap(([method, path]) => badIds.map((id) => [method, path(id), id] as const));

  test.each(idCases)('%s %s (id %s) → 400', async (method, path) => {
    const response = await call(method, path, { token: operatorA.token, ...(method === 'POST' ? { body: {} } : {}) });
    expectValidation(response, 'path');
  });

  test('the largest id, 2^53 − 1, is well formed: → 404, not 400', async () => {
    expectProblem(await call('POST', claimPath('9007199254740991'), { token: operatorA.token, body: {} }), 404, 'task_not_found');
    expectProblem(await call('GET', '/api/workorder-tasks/9007199254740991/', { token: operatorA.token }), 404, 'task_not_found');
    expectProblem(await call('GET', '/api/claims/9007199254740991', { token: operatorA.token }), 404, 'not_found');
  });

  test('malformed JSON body → 400 validation_error', async () => {
    expectProblem(
      await call('POST', claimPath(task1.id), { token: operatorA.token, rawBody: '{"notes": ', headers: { 'content-type': 'application/json' } }),
      400,
      'validation_error',
    );
  });

  test('a JSON array body → 400', async () => {
    expectValidation(await call('POST', claimPath(task1.id), { token: operatorA.token, body: [] }), 'body');
    expectValidation(await call('POST', claimPath(task1.id), { token: operatorA.token, body: [{ notes: 'x' }] }), 'body');
  });

  test('a JSON string body → 400 validation_error', async () => {
    expectProblem(await call('POST', claimPath(task1.id), { token: operatorA.token, body: 'just a string' }), 400, 'validation_error');
  });

  test('a JSON null / number body → 400 validation_error', async () => {
    for (const rawBody of ['null', '42', 'true']) {
      expectProblem(
        await call('POST', claimPath(task1.id), { token: operatorA.token, rawBody, headers: { 'content-type': 'application/json' } }),
        400,
        'validation_error',
      );
    }
  });

  test('notes of 501 characters → 400', async () => {
    expectValidation(await call('POST', claimPath(task1.id), { token: operatorA.token, body: { notes: 'a'.repeat(501) } }), 'body.notes');
  });

  test('notes of 501 emoji (501 code points) → 400', async () => {
    expectValidation(await call('POST', claimPath(task1.id), { token: operatorA.token, body: { notes: '😀'.repeat(501) } }), 'body.notes');
  });

  test('notes of 500 emoji (500 code points, 1000 UTF-16 units) are accepted and kept intact', async () => {
    const task = await factories.newTask({ departmentId: d1.id });
    const notes = '😀'.repeat(500);
    const response = await call('POST', claimPath(task.id), { token: operatorB.token, body: { notes }, headers: { prefer: 'wait=10' } });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'succeeded', task_id: task.id, operator_id: operatorB.id });
    expect(response.body.notes).toBe(notes);
  });

  test('notes of exactly 500 ASCII characters are accepted', async () => {
    const task = await factories.newTask({ departmentId: d1.id });
    const response = await call('POST', claimPath(task.id), { token: operatorB.token, body: { notes: 'n'.repeat(500) } });
    expect([200, 202]).toContain(response.status);
    expect(response.body.notes).toBe('n'.repeat(500));
  });

  test('notes of the wrong type → 400', async () => {
    expectValidation(await call('POST', claimPath(task1.id), { token: operatorA.token, body: { notes: 42 } }), 'body.notes');
    expectValidation(await call('POST', claimPath(task1.id), { token: operatorA.token, body: { notes: null } }), 'body.notes');
    expectValidation(await call('POST', claimPath(task1.id), { token: operatorA.token, body: { notes: ['x'] } }), 'body.notes');
  });

  test('an unknown field → 400', async () => {
    expectValidation(await call('POST', claimPath(task1.id), { token: operatorA.token, body: { foo: 1 } }), 'body');
  });

  test('operator_id as a string → 400', async () => {
    expectValidation(await call('POST', claimPath(task1.id), { token: ADMIN_TOKEN, body: { operator_id: String(operatorA.id) } }), 'body.operator_id');
    expectValidation(await call('POST', claimPath(task1.id), { token: ADMIN_TOKEN, body: { operator_id: '5' } }), 'body.operator_id');
  });

  test('operator_id that is not a positive safe integer → 400', async () => {
    for (const operatorId of [0, -1, 1.5, 2 ** 53]) {
      expectValidation(await call('POST', claimPath(task1.id), { token: ADMIN_TOKEN, body: { operator_id: operatorId } }), 'body.operator_id');
    }
  });

  test('callback_url that is not an http(s) URL → 400', async () => {
    for (const callbackUrl of ['not a url', 'ftp://mes.example.com/hook', 42]) {
      expectValidation(
        await call('POST', claimPath(task1.id), { token: integration.token, body: { operator_id: operatorA.id, callback_url: callbackUrl } }),
        'body.callback_url',
      );
    }
  });

  test('Prefer: wait=31 → 400', async () => {
    expectValidation(await call('POST', claimPath(task1.id), { token: operatorA.token, body: {}, headers: { prefer: 'wait=31' } }), 'header.prefer');
  });

  test('Prefer: wait=abc → 400', async () => {
    expectValidation(await call('POST', claimPath(task1.id), { token: operatorA.token, body: {}, headers: { prefer: 'wait=abc' } }), 'header.prefer');
  });

  test('Prefer: wait=-1 and an empty wait → 400', async () => {
    for (const prefer of ['wait=-1', 'wait=', 'wait=1.5']) {
      expectValidation(await call('POST', claimPath(task1.id), { token: operatorA.token, body: {}, headers: { prefer } }), 'header.prefer');
    }
  });

  test('Prefer: wait=31 on GET /api/claims/{id} → 400', async () => {
    const task = await factories.newTask({ departmentId: d1.id });
    const submitted = await call('POST', claimPath(task.id), { token: operatorA.token, body: {} });
    expect([200, 202]).toContain(submitted.status);
    expectValidation(await call('GET', `/api/claims/${submitted.body.claim_id}`, { token: operatorA.token, headers: { prefer: 'wait=31' } }), 'header.prefer');
  });

  test('page_size=101 on claimable → 400', async () => {
    expectValidation(await call('GET', `${claimable}?page_size=101`, { token: operatorA.token }), 'query.page_size');
  });

  test('page=0 on claimable → 400', async () => {
    expectValidation(await call('GET', `${claimable}?page=0`, { token: operatorA.token }), 'query.page');
  });

  test('other malformed pagination on claimable → 400', async () => {
    for (const query of ['page=abc', 'page=-1', 'page_size=0', 'page_size=1.5', 'page=1&page=2']) {
      expectValidation(await call('GET', `${claimable}?${query}`, { token: operatorA.token }), 'query');
    }
  });

  test('next and previous are relative links (path and query), so no Host header reaches them', async () => {
    const response = await call('GET', `${claimable}?page=2&page_size=1`, { token: operatorA.token });
    expect(response.status).toBe(200);
    expect(response.body.previous).toBe(`${claimable}?page=1&page_size=1`);
    expect(response.body.next === null || response.body.next === `${claimable}?page=3&page_size=1`).toBe(true);
  });

  test('page_size=100 and page=1 are fine', async () => {
    const response = await call('GET', `${claimable}?page=1&page_size=100`, { token: operatorA.token });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ page: 1, page_size: 100, results: expect.any(Array) });
  });
});

describe('404 not found', () => {
  test('unknown /api/ route with a valid token → 404 not_found', async () => {
    expectProblem(await call('GET', '/api/nope', { token: operatorA.token }), 404, 'not_found');
  });

  test('unknown route outside /api → 404 not_found', async () => {
    expectProblem(await call('GET', '/nope'), 404, 'not_found');
  });

  test('POST claim on a well-formed task id that does not exist → 404 task_not_found', async () => {
    expectProblem(await call('POST', claimPath(MISSING_ID), { token: operatorA.token, body: { notes: 'x' } }), 404, 'task_not_found');
  });

  test('GET /api/workorder-tasks/{missing}/ → 404', async () => {
    expectProblem(await call('GET', `/api/workorder-tasks/${MISSING_ID}/`, { token: operatorA.token }), 404, 'task_not_found');
  });

  test('GET /api/claims/{missing} → 404 not_found', async () => {
    expectProblem(await call('GET', `/api/claims/${MISSING_ID}`, { token: operatorA.token }), 404, 'not_found');
    expectProblem(await call('GET', `/api/claims/${MISSING_ID}`, { token: ADMIN_TOKEN }), 404, 'not_found');
  });

  test('a claim is visible only to its operator, the submitting token and admins', async () => {
    const task = await factories.newTask({ departmentId: d1.id });
    const submitted = await call('POST', claimPath(task.id), {
      token: integration.token,
      body: { operator_id: operatorA.id, notes: 'for A' },
      headers: { prefer: 'wait=10' },
    });
    expect(submitted.status).toBe(200);
    expect(submitted.body).toMatchObject({ status: 'succeeded', operator_id: operatorA.id });
    const claimId = submitted.body.claim_id;

    const byB = await call('GET', `/api/claims/${claimId}`, { token: operatorB.token });
    expectProblem(byB, 404, 'not_found');
    // Indistinguishable from a claim that does not exist.
    const missing = await call('GET', `/api/claims/${MISSING_ID}`, { token: operatorB.token });
    expect(byB.body.title).toBe(missing.body.title);

    for (const token of [ADMIN_TOKEN, integration.token, operatorA.token]) {
      const response = await call('GET', `/api/claims/${claimId}`, { token });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ claim_id: claimId, operator_id: operatorA.id, status: 'succeeded', notes: 'for A' });
    }

    // Another integration token, even of the same department, did not submit it.
    const other = await factories.newToken({ kind: 'integration', name: 'other MES', department_ids: [d1.id] });
    expectProblem(await call('GET', `/api/claims/${claimId}`, { token: other.token }), 404, 'not_found');
  });
});

describe('413 payload_too_large', () => {
  test('claim body over 16 KiB → 413', async () => {
    const response = await call('POST', claimPath(task1.id), { token: operatorA.token, body: { notes: 'a'.repeat(20_000) } });
    expectProblem(response, 413, 'payload_too_large');
  });

  test('admin body over 1 MiB on PUT /api/admin/tasks → 413', async () => {
    const tasks = Array.from({ length: 600 }, (_, index) => ({
      id: 500_000 + index,
      work_order: { id: 500_000, order_number: 'WO-BIG' },
      work_content: 'w'.repeat(2000),
      status: 'pending',
      assigned_department_id: d1.id,
    }));
    expect(JSON.stringify(tasks).length).toBeGreaterThan(1024 * 1024);
    expectProblem(await call('PUT', '/api/admin/tasks', { token: ADMIN_TOKEN, body: tasks }), 413, 'payload_too_large');
    // Nothing of it was stored.
    expectProblem(await call('GET', '/api/workorder-tasks/500000/', { token: ADMIN_TOKEN }), 404, 'task_not_found');
  });

  test('an admin body of ~100 KiB is accepted', async () => {
    const tasks = Array.from({ length: 50 }, (_, index) => ({
      id: 600_000 + index,
      work_order: { id: 600_000, order_number: 'WO-MID' },
      work_content: 'w'.repeat(2000),
      status: 'pending',
      assigned_department_id: d2.id,
    }));
    expect(JSON.stringify(tasks).length).toBeGreaterThan(100 * 1024);
    const response = await call('PUT', '/api/admin/tasks', { token: ADMIN_TOKEN, body: tasks });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ count: 50 });
  });
});

describe('415 unsupported_media_type', () => {
  test('claim with content-type text/plain and a body → 415', async () => {
    expectProblem(
      await call('POST', claimPath(task1.id), { token: operatorA.token, rawBody: '{"notes":"x"}', headers: { 'content-type': 'text/plain' } }),
      415,
      'unsupported_media_type',
    );
  });

  test('claim with application/x-www-form-urlencoded → 415', async () => {
    expectProblem(
      await call('POST', claimPath(task1.id), {
        token: operatorA.token,
        rawBody: 'notes=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      415,
      'unsupported_media_type',
    );
  });

  test('claim with a body and no content-type at all → 415', async () => {
    // fetch labels a string body text/plain; bytes go out unlabelled (the helper passes rawBody to fetch as is).
    const rawBody = new TextEncoder().encode('{"notes":"x"}') as unknown as string;
    const response = await call('POST', claimPath(task1.id), { token: operatorA.token, rawBody });
    expectProblem(response, 415, 'unsupported_media_type');
  });

  test('an unsupported charset or Content-Encoding → 415', async () => {
    expectProblem(
      await call('POST', claimPath(task1.id), { token: operatorA.token, rawBody: '{}', headers: { 'content-type': 'application/json; charset=latin1' } }),
      415,
      'unsupported_media_type',
    );
    expectProblem(
      await call('POST', claimPath(task1.id), {
        token: operatorA.token,
        rawBody: '{}',
        headers: { 'content-type': 'application/json', 'content-encoding': 'bogus' },
      }),
      415,
      'unsupported_media_type',
    );
  });

  test('admin PUT with text/plain → 415', async () => {
    expectProblem(
      await call('PUT', '/api/admin/departments/77', { token: ADMIN_TOKEN, rawBody: '{"name":"x"}', headers: { 'content-type': 'text/plain' } }),
      415,
      'unsupported_media_type',
    );
  });
});

describe('rejected claims leave nothing behind', () => {
  test('a batch of bad claim requests stores no claim_requests row', async () => {
    const revokedToken = await factories.newToken({ kind: 'operator', name: 'revoked for batch', operator_id: operatorA.id });
    expect((await call('DELETE', `/api/admin/tokens/${revokedToken.id}`, { token: ADMIN_TOKEN })).status).toBe(204);
    const json = { 'content-type': 'application/json' };
    const before = await countClaims();
    const batch: [RequestOptions & { path?: string }, number][] = [
      [{ body: { notes: 'x' } }, 401],
      [{ token: 'tc_unknown', body: { notes: 'x' } }, 401],
      [{ token: revokedToken.token, body: { notes: 'x' } }, 401],
      [{ token: operatorA.token, body: { operator_id: operatorB.id } }, 403],
      [{ token: operatorA.token, body: { callback_url: 'https://mes.example.com/hook' } }, 403],
      [{ token: integration.token, body: { operator_id: operatorC.id } }, 403],
      [{ token: integration.token, body: { notes: 'x' } }, 400],
      [{ token: ADMIN_TOKEN, body: { notes: 'x' } }, 400],
      [{ token: ADMIN_TOKEN, body: { operator_id: MISSING_ID } }, 400],
      [{ token: integration.token, body: { operator_id: operatorA.id, callback_url: 'https://evil.example.org/hook' } }, 400],
      [{ token: operatorA.token, rawBody: '{"notes": ', headers: json }, 400],
      [{ token: operatorA.token, body: [] }, 400],
      [{ token: operatorA.token, body: 'string' }, 400],
      [{ token: operatorA.token, body: { notes: 'a'.repeat(501) } }, 400],
      [{ token: operatorA.token, body: { notes: 1 } }, 400],
      [{ token: operatorA.token, body: { foo: 1 } }, 400],
      [{ token: ADMIN_TOKEN, body: { operator_id: '5' } }, 400],
      [{ token: operatorA.token, body: {}, headers: { prefer: 'wait=31' } }, 400],
      [{ token: operatorA.token, body: {}, headers: { prefer: 'wait=abc' } }, 400],
      [{ token: operatorA.token, body: {}, path: claimPath('abc') }, 400],
      [{ token: operatorA.token, body: {}, path: claimPath('9007199254740992') }, 400],
      [{ token: operatorA.token, body: {}, path: claimPath(MISSING_ID) }, 404],
      [{ token: operatorA.token, body: { notes: 'a'.repeat(20_000) } }, 413],
      [{ token: operatorA.token, rawBody: '{}', headers: { 'content-type': 'text/plain' } }, 415],
      [{ token: operatorA.token, rawBody: 'notes=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415],
    ];
    const statuses: number[] = [];
    for (const [{ path, ...options }] of batch) {
      statuses.push((await call('POST', path ?? claimPath(task1.id), options)).status);
    }
    expect(statuses).toEqual(batch.map(([, status]) => status));
    expect(await countClaims()).toBe(before);
    // And the task is still unassigned and claimable.
    const task = await call('GET', `/api/workorder-tasks/${task1.id}/`, { token: operatorA.token });
    expect(task.status).toBe(200);
    expect(task.body).toMatchObject({ id: task1.id, status: 'pending', assigned_operator: null });
  });
});

describe('admin API', () => {
  test('PUT department twice → 201 then 200', async () => {
    const id = factories.nextId();
    const first = await call('PUT', `/api/admin/departments/${id}`, { token: ADMIN_TOKEN, body: { name: 'Welding' } });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ id, name: 'Welding' });
    const second = await call('PUT', `/api/admin/departments/${id}`, { token: ADMIN_TOKEN, body: { name: 'Welding & Cutting' } });
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ id, name: 'Welding & Cutting' });
  });

  test('PUT operator: created with defaults; on update an omitted optional field keeps its value, null clears max_active_tasks', async () => {
    const id = factories.nextId();
    const put = (body: Record<string, unknown>) =>
      call('PUT', `/api/admin/operators/${id}`, { token: ADMIN_TOKEN, body: { username: `sync${id}`, department_ids: [d1.id], ...body } });
    const created = await put({});
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id, first_name: '', last_name: '', active: true, max_active_tasks: null });

    const full = { first_name: 'Wei', last_name: 'Li', active: false, max_active_tasks: 3 };
    expect((await put(full)).body).toMatchObject(full);
    // A sync that sends only the required fields reactivates no one and clears no limit or name.
    const sparse = await put({});
    expect(sparse.status).toBe(200);
    expect(sparse.body).toMatchObject({ ...full, department_ids: [d1.id] });
    expect(await env.db('operators').where({ id }).first()).toMatchObject(full);

    const cleared = await put({ max_active_tasks: null, active: true });
    expect(cleared.body).toMatchObject({ first_name: 'Wei', last_name: 'Li', active: true, max_active_tasks: null });
  });

  test('PUT operator with a department that does not exist → 400 validation_error', async () => {
    const id = factories.nextId();
    const response = await call('PUT', `/api/admin/operators/${id}`, {
      token: ADMIN_TOKEN,
      body: { username: `ghost${id}`, department_ids: [MISSING_ID] },
    });
    expectValidation(response);
    // The whole upsert rolled back.
    expect(await env.db('operators').where({ id }).first()).toBeUndefined();
  });

  test('PUT operator with an invalid body → 400 validation_error', async () => {
    const id = factories.nextId();
    expectValidation(await call('PUT', `/api/admin/operators/${id}`, { token: ADMIN_TOKEN, body: { username: 'x' } }), 'body.department_ids');
    expectValidation(await call('PUT', `/api/admin/operators/${id}`, { token: ADMIN_TOKEN, body: { username: 'x', department_ids: [], extra: 1 } }), 'body');
  });

  test('DELETE /api/admin/tasks/{missing} → 404', async () => {
    expectProblem(await call('DELETE', `/api/admin/tasks/${MISSING_ID}`, { token: ADMIN_TOKEN }), 404, 'task_not_found');
  });

  test('DELETE /api/admin/tasks/{bad id} → 400', async () => {
    expectValidation(await call('DELETE', '/api/admin/tasks/abc', { token: ADMIN_TOKEN }), 'path');
  });

  test('DELETE /api/admin/tokens/{missing} → 404', async () => {
    expectProblem(await call('DELETE', `/api/admin/tokens/${MISSING_ID}`, { token: ADMIN_TOKEN }), 404, 'not_found');
  });

  test('POST /api/admin/tokens kind operator without operator_id → 400', async () => {
    expectValidation(await call('POST', '/api/admin/tokens', { token: ADMIN_TOKEN, body: { kind: 'operator', name: 'no operator' } }), 'body.operator_id');
  });

  test('POST /api/admin/tokens with an unknown kind or operator → 400', async () => {
    expectValidation(await call('POST', '/api/admin/tokens', { token: ADMIN_TOKEN, body: { kind: 'root', name: 'x' } }), 'body.kind');
    expectValidation(
      await call('POST', '/api/admin/tokens', { token: ADMIN_TOKEN, body: { kind: 'operator', name: 'x', operator_id: MISSING_ID } }),
      'body.operator_id',
    );
    expectValidation(
      await call('POST', '/api/admin/tokens', { token: ADMIN_TOKEN, body: { kind: 'integration', name: 'x', department_ids: [MISSING_ID] } }),
      'body.department_ids',
    );
  });

  test('integration token creation returns a whsec_ webhook_secret; operator token creation returns none', async () => {
    const created = await call('POST', '/api/admin/tokens', {
      token: ADMIN_TOKEN,
      body: { kind: 'integration', name: 'ERP', department_ids: [d1.id], callback_hosts: ['erp.example.com'] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.any(Number), token: expect.any(String) });
    expect(created.body.webhook_secret).toMatch(/^whsec_/);
    expect(integration.webhook_secret).toMatch(/^whsec_/);

    const operatorToken = await call('POST', '/api/admin/tokens', {
      token: ADMIN_TOKEN,
      body: { kind: 'operator', name: 'handheld', operator_id: operatorA.id },
    });
    expect(operatorToken.status).toBe(201);
    expect(operatorToken.body).toMatchObject({ id: expect.any(Number), token: expect.any(String) });
    expect(operatorToken.body).not.toHaveProperty('webhook_secret');
  });

  test('PUT /api/admin/tasks bulk of 3 tasks → 200 with count 3', async () => {
    const ids = [factories.nextId(), factories.nextId(), factories.nextId()];
    const workOrderId = factories.nextId();
    const response = await call('PUT', '/api/admin/tasks', {
      token: ADMIN_TOKEN,
      body: ids.map((id) => ({
        id,
        work_order: { id: workOrderId, order_number: `WO-${workOrderId}` },
        work_content: `Bulk ${id}`,
        status: 'pending',
        assigned_department_id: d1.id,
      })),
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ count: 3 });
    for (const id of ids) {
      const task = await call('GET', `/api/workorder-tasks/${id}/`, { token: operatorA.token });
      expect(task.status).toBe(200);
      expect(task.body).toMatchObject({ id, work_content: `Bulk ${id}`, assigned_department: { id: d1.id } });
    }
  });

  test('PUT /api/admin/tasks bulk, in any id order: an omitted assigned_operator_id keeps the assignee, null clears it, a value sets it', async () => {
    const [kept, cleared, set, added] = [await factories.newTask({ departmentId: d1.id }), await factories.newTask({ departmentId: d1.id }), await factories.newTask({ departmentId: d1.id }), { id: factories.nextId() }];
    await env.db('work_order_tasks').whereIn('id', [kept.id, cleared.id]).update({ assigned_operator_id: operatorA.id });
    const row = (id: number, assignee: Record<string, unknown>) => ({
      id,
      work_order: { id: kept.workOrderId, order_number: 'WO-resynced' },
      work_content: `Resynced ${id}`,
      status: 'in_progress',
      assigned_department_id: d1.id,
      ...assignee,
    });
    const response = await call('PUT', '/api/admin/tasks', {
      token: ADMIN_TOKEN,
      body: [row(added.id, {}), row(set.id, { assigned_operator_id: operatorB.id }), row(cleared.id, { assigned_operator_id: null }), row(kept.id, {})],
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ count: 4, created: 1, updated: 3 });
    const stored = await env.db('work_order_tasks').whereIn('id', [kept.id, cleared.id, set.id, added.id]).orderBy('id');
    expect(stored.map((task) => [Number(task.id), task.assigned_operator_id === null ? null : Number(task.assigned_operator_id), task.status, task.work_content])).toEqual([
      [kept.id, operatorA.id, 'in_progress', `Resynced ${kept.id}`],
      [cleared.id, null, 'in_progress', `Resynced ${cleared.id}`],
      [set.id, operatorB.id, 'in_progress', `Resynced ${set.id}`],
      [added.id, null, 'in_progress', `Resynced ${added.id}`],
    ]);
    expect(Number(stored[0].work_order_id)).toBe(kept.workOrderId);
  });

  test('PUT /api/admin/tasks bulk with duplicate ids or an empty array → 400', async () => {
    const task = {
      id: factories.nextId(),
      work_order: { id: 1, order_number: 'WO-1' },
      work_content: 'dup',
      status: 'pending',
      assigned_department_id: null,
    };
    expectValidation(await call('PUT', '/api/admin/tasks', { token: ADMIN_TOKEN, body: [task, task] }));
    expectValidation(await call('PUT', '/api/admin/tasks', { token: ADMIN_TOKEN, body: [] }));
  });

  test('PUT task assigned to a department that does not exist → 400 validation_error', async () => {
    const id = factories.nextId();
    expectValidation(
      await call('PUT', `/api/admin/tasks/${id}`, {
        token: ADMIN_TOKEN,
        body: { work_order: { id, order_number: `WO-${id}` }, work_content: 'x', status: 'pending', assigned_department_id: MISSING_ID },
      }),
    );
  });
});

// Runs after every test above (jest keeps declaration order); the discrepancy block below checks its own requests.
test('no response above was a 5xx', () => {
  expect(seen.length).toBeGreaterThan(100);
  expect(seen.filter((entry) => entry.status >= 500)).toEqual([]);
});

/** Malformed input that once reached a 500: each is now a 400 problem. */
describe('malformed input never reaches a 500', () => {
  const json = { 'content-type': 'application/json' };

  // §4: "Errors are RFC 9457 ... (validation errors add `errors: [{path, message}]`)" and "Malformed JSON → 400".
  test('a malformed JSON body → 400 validation_error that carries errors: [{path, message}]', async () => {
    expectValidation(await call('POST', claimPath(task1.id), { token: operatorA.token, rawBody: '{"notes": ', headers: json }), 'body');
    expectValidation(await call('POST', claimPath(task1.id), { token: operatorA.token, rawBody: '"just a string"', headers: json }), 'body');
  });

  // §4: "a path id that is not a positive integer ≤ 2^53−1 → 400 validation_error"; §6: "No request, however malformed, gets a 500".
  test.each([
    ['POST', claimPath('%ZZ')],
    ['GET', '/api/workorder-tasks/%E0%A4%A/'],
    ['GET', '/api/claims/%ZZ'],
  ])('%s %s (malformed percent-encoding in the id) → 400 validation_error, not 500', async (method, path) => {
    expectProblem(await call(method, path, { token: operatorA.token, ...(method === 'POST' ? { body: {} } : {}) }), 400, 'validation_error');
  });

  // §2: notes are "at most 500 Unicode characters"; §6: no 500. U+0000 cannot be stored in a PostgreSQL text column.
  test('a claim note containing U+0000 → accepted or 400 validation_error, never 500', async () => {
    const task = await factories.newTask({ departmentId: d1.id });
    const before = await countClaims();
    const response = await call('POST', claimPath(task.id), { token: operatorA.token, body: { notes: 'line one\u0000line two' } });
    expect(response.status).toBeLessThan(500);
    if (response.status === 400) {
      expectValidation(response, 'body.notes');
      expect(await countClaims()).toBe(before);
    } else {
      expect([200, 202]).toContain(response.status);
    }
  });

  // §6: no 500; the admin API's strings are user input like any other.
  test.each([
    ['PUT', '/api/admin/departments/424242', { name: 'a\u0000b' }],
    ['PUT', '/api/admin/operators/424243', { username: 'a\u0000b', department_ids: [] }],
    ['PUT', '/api/admin/tasks/424244', { work_order: { id: 424244, order_number: 'WO\u0000' }, work_content: 'x', status: 'pending', assigned_department_id: null }],
    ['POST', '/api/admin/tokens', { kind: 'admin', name: 'a\u0000b' }],
  ])('%s %s with U+0000 in a string → 400 validation_error, never 500', async (method, path, body) => {
    expectValidation(await call(method, path, { token: ADMIN_TOKEN, body }));
  });

  // §4: "Malformed JSON → 400"; §6: no 500. body-parser's zlib/brotli errors reach the problem handler unmapped.
  test.each(['gzip', 'deflate', 'br'])('a body labelled Content-Encoding: %s that is not compressed → 400, never 500', async (encoding) => {
    const response = await call('POST', claimPath(task1.id), {
      token: operatorA.token,
      rawBody: '{"notes":"x"}',
      headers: { ...json, 'content-encoding': encoding },
    });
    expectProblem(response, 400, 'validation_error');
  });

});
