/**
 * SPEC.md §4, the claim request's contract: its body (operator_id, notes, callback_url) and its Prefer
 * header are validated (400 with the field at fault), a task or claim that does not exist is 404, a claim
 * is visible only to those it concerns, and a rejected request leaves no claim behind.
 */
import type { RequestOptions } from '../support/http';
import { MISSING_ID, claimPath, expectProblem, expectValidation, expectNo5xx, onContractWorld, type ContractWorld } from '../support/http-contract';
import { ADMIN_TOKEN } from '../support/test-env';

let { call, factories, countClaims, d1, operatorA, operatorB, operatorC, integration, task1, seen } = {} as ContractWorld;
onContractWorld((world) => ({ call, factories, countClaims, d1, operatorA, operatorB, operatorC, integration, task1, seen } = world));

describe('400 validation_error on a claim request', () => {
  test('integration token without operator_id on claim → 400', async () => {
    expectValidation(await call('POST', claimPath(task1.id), { token: integration.token, body: { notes: 'x' } }), 'body.operator_id');
  });

  test('admin token without operator_id on claim → 400', async () => {
    expectValidation(await call('POST', claimPath(task1.id), { token: ADMIN_TOKEN, body: { notes: 'x' } }), 'body.operator_id');
  });

  test('admin token without a body at all on claim → 400', async () => {
    expectValidation(await call('POST', claimPath(task1.id), { token: ADMIN_TOKEN }), 'body.operator_id');
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
});

describe('404 for a task or claim that does not exist', () => {
  test('POST claim on a well-formed task id that does not exist → 404 task_not_found', async () => {
    expectProblem(await call('POST', claimPath(MISSING_ID), { token: operatorA.token, body: { notes: 'x' } }), 404, 'task_not_found');
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

// Runs after every test above (jest keeps declaration order).
test('no response of this file was a 5xx', () => {
  expectNo5xx(seen, 82);
});
