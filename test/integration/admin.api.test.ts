/**
 * SPEC.md §4, the admin API: idempotent upserts of departments, operators and tasks (one and in bulk),
 * deletes, token creation, and their validation errors.
 */
import { MISSING_ID, expectProblem, expectValidation, expectNo5xx, onContractWorld, type ContractWorld } from '../support/http-contract';
import { ADMIN_TOKEN } from '../support/test-env';

let { env, call, factories, d1, operatorA, operatorB, integration, seen } = {} as ContractWorld;
onContractWorld((world) => ({ env, call, factories, d1, operatorA, operatorB, integration, seen } = world));

describe('admin API', () => {
  test('PUT department twice → 201 then 200', async () => {
    const id = factories.nextId();
    const first = await call('PUT', `/api/admin/departments/${id}`, { token: ADMIN_TOKEN, body: { name: 'Welding' } });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ id, name: 'Welding', claim_lease_seconds: null });
    const second = await call('PUT', `/api/admin/departments/${id}`, { token: ADMIN_TOKEN, body: { name: 'Welding & Cutting' } });
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ id, name: 'Welding & Cutting', claim_lease_seconds: null });
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
    expectValidation(response, 'body.department_ids');
    // Told in the API's words: no table name, no PostgreSQL text.
    expect(response.body.detail).toBe(`Department ${MISSING_ID} does not exist.`);
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

  test('DELETE /api/admin/tokens/{missing} → 404, also beyond the range of the token id column', async () => {
    for (const id of [MISSING_ID, 2_147_483_648, Number.MAX_SAFE_INTEGER]) {
      expectProblem(await call('DELETE', `/api/admin/tokens/${id}`, { token: ADMIN_TOKEN }), 404, 'not_found');
    }
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
    const response = await call('PUT', `/api/admin/tasks/${id}`, {
      token: ADMIN_TOKEN,
      body: { work_order: { id, order_number: `WO-${id}` }, work_content: 'x', status: 'pending', assigned_department_id: MISSING_ID },
    });
    expectValidation(response, 'body.assigned_department_id');
    expect(response.body.detail).toBe(`Department ${MISSING_ID} does not exist.`);
    expect(JSON.stringify(response.body)).not.toMatch(/table|Key \(/);
  });

  test('PUT operator with a username another operator has → 400 validation_error naming the field, not the table', async () => {
    const [first, second] = [factories.nextId(), factories.nextId()];
    const department = await factories.newDepartment();
    expect((await call('PUT', `/api/admin/operators/${first}`, { token: ADMIN_TOKEN, body: { username: `twin${first}`, department_ids: [department.id] } })).status).toBe(201);
    const response = await call('PUT', `/api/admin/operators/${second}`, { token: ADMIN_TOKEN, body: { username: `twin${first}`, department_ids: [department.id] } });
    expectValidation(response, 'body.username');
    expect(response.body.detail).toBe(`The username twin${first} is already taken.`);
    expect(await env.db('operators').where({ id: second }).first()).toBeUndefined();
  });
});

describe('admin strings are user input like any other', () => {
  // §6: no 500.
  test.each([
    ['PUT', '/api/admin/departments/424242', { name: 'a\u0000b' }],
    ['PUT', '/api/admin/operators/424243', { username: 'a\u0000b', department_ids: [] }],
    ['PUT', '/api/admin/tasks/424244', { work_order: { id: 424244, order_number: 'WO\u0000' }, work_content: 'x', status: 'pending', assigned_department_id: null }],
    ['POST', '/api/admin/tokens', { kind: 'admin', name: 'a\u0000b' }],
  ])('%s %s with U+0000 in a string → 400 validation_error, never 500', async (method, path, body) => {
    expectValidation(await call(method, path, { token: ADMIN_TOKEN, body }));
  });
});

// Runs after every test above (jest keeps declaration order).
test('no response of this file was a 5xx', () => {
  expectNo5xx(seen, 43);
});
