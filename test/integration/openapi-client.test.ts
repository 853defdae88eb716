import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import createClient from 'openapi-fetch';
import type { paths } from '@taskclaim/client';
import { makeConformingFetch, makeResponseChecker, type CheckedResponse } from '../support/openapi-conformance';
import { ADMIN_TOKEN, makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
let document: any;
beforeAll(async () => {
  env = await makeTestEnv();
  await env.startWorker();
  document = (await env.http('GET', '/openapi.json')).body;
});
afterAll(() => env.close());

/** A typed openapi-fetch client whose every response is checked against the served document. */
function typedClient(token: string, checked: CheckedResponse[]) {
  return createClient<paths>({ baseUrl: env.baseUrl, headers: { authorization: `Bearer ${token}` }, fetch: makeConformingFetch(document, checked) });
}

const ROOT = path.resolve(__dirname, '../..');
const CLIENT_SCHEMA = path.join(ROOT, 'packages/client/src/schema.d.ts');

test('types generated from the served document are the committed packages/client/src/schema.d.ts (npm run generate:openapi)', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'taskclaim-openapi-'));
  try {
    const out = path.join(dir, 'schema.d.ts');
    // A child process: openapi-typescript loads ES-module-only dependencies that Node runs and jest does not.
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/generate-openapi.ts', '--from', `${env.baseUrl}/openapi.json`, '--out', out], {
      cwd: ROOT,
    });
    const generated = await readFile(out, 'utf8');
    expect(generated).toContain('"/api/workorder-tasks/{id}/claim/": {');
    expect(generated).toContain('Claim: {');
    expect(generated).toBe(await readFile(CLIENT_SCHEMA, 'utf8'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the response check catches a body that drifted from the document', () => {
  const check = makeResponseChecker(document);
  const url = `${env.baseUrl}/api/claims/1`;
  expect(() => check({ method: 'GET', url, status: 200, contentType: 'application/json', body: { claim_id: 1, status: 'queued' } })).toThrow(
    /does not match the OpenAPI schema/,
  );
  expect(() => check({ method: 'GET', url, status: 418, contentType: 'application/json', body: {} })).toThrow(/not documented/);
});

test('a typed openapi-fetch client drives a whole flow, every answer as the document says', async () => {
  const checked: CheckedResponse[] = [];
  const admin = typedClient(ADMIN_TOKEN, checked);
  const [departmentId, operatorId, rivalId, taskId, workOrderId] = Array.from({ length: 5 }, () => env.factories.nextId());

  const department = await admin.PUT('/api/admin/departments/{id}', { params: { path: { id: departmentId } }, body: { name: 'Welding' } });
  expect(department.response.status).toBe(201);
  expect(department.data).toEqual({ id: departmentId, name: 'Welding', claim_lease_seconds: null });

  for (const [id, username] of [[operatorId, `typed${operatorId}`], [rivalId, `rival${rivalId}`]] as const) {
    const operator = await admin.PUT('/api/admin/operators/{id}', {
      params: { path: { id } },
      body: { username, first_name: 'Ada', department_ids: [departmentId] },
    });
    expect(operator.response.status).toBe(201);
    expect(operator.data).toMatchObject({ id, username, department_ids: [departmentId], active: true });
  }

  const task = await admin.PUT('/api/admin/tasks/{id}', {
    params: { path: { id: taskId } },
    body: { work_order: { id: workOrderId, order_number: `WO-${workOrderId}` }, work_content: 'Weld the frame', status: 'pending', assigned_department_id: departmentId },
  });
  expect(task.response.status).toBe(201);
  expect(task.data).toMatchObject({ id: taskId, status: 'pending', assigned_operator: null, assigned_department: { id: departmentId } });

  const tokens = await Promise.all(
    [operatorId, rivalId].map((id) => admin.POST('/api/admin/tokens', { body: { kind: 'operator', name: `token of ${id}`, operator_id: id } })),
  );
  for (const token of tokens) expect(token.response.status).toBe(201);
  const operator = typedClient(tokens[0].data!.token, checked);
  const rival = typedClient(tokens[1].data!.token, checked);

  const claimable = await operator.GET('/api/workorder-tasks/claimable/', { params: { query: { page_size: 10 } } });
  expect(claimable.data).toMatchObject({ count: 1, claimable_count: 1, page: 1, page_size: 10, next: null, previous: null });
  expect(claimable.data!.results.map((result) => result.id)).toEqual([taskId]);

  const claimed = await operator.POST('/api/workorder-tasks/{id}/claim/', {
    params: { path: { id: taskId }, header: { Prefer: 'wait=20' } },
    body: { notes: 'typed all the way' },
  });
  expect(claimed.response.status).toBe(200);
  expect(claimed.response.headers.get('preference-applied')).toBe('wait=20');
  expect(claimed.data).toMatchObject({ status: 'succeeded', already_claimed: false, task_id: taskId, operator_id: operatorId });
  const claimId = claimed.data!.claim_id;

  const rejected = await rival.POST('/api/workorder-tasks/{id}/claim/', { params: { path: { id: taskId }, header: { Prefer: 'wait=20' } }, body: {} });
  expect(rejected.response.status).toBe(400);
  expect(rejected.error).toMatchObject({ code: 'already_claimed', claim: { status: 'rejected' } });

  const read = await operator.GET('/api/claims/{claim_id}', { params: { path: { claim_id: claimId }, header: { Prefer: 'wait=1' } } });
  expect(read.data).toMatchObject({ claim_id: claimId, status: 'succeeded', task: { id: taskId, assigned_operator: { id: operatorId } } });

  const hidden = await rival.GET('/api/claims/{claim_id}', { params: { path: { claim_id: claimId } } });
  expect(hidden.response.status).toBe(404);
  expect(hidden.error).toMatchObject({ code: 'not_found' });

  const mine = await operator.GET('/api/workorder-tasks/mine/');
  expect(mine.data).toMatchObject({ active_count: 1, limit: env.config.MAX_ACTIVE_TASKS });
  expect(mine.data!.results.map((result) => result.id)).toEqual([taskId]);

  const notifications = await operator.GET('/api/notifications/', { params: { query: { page: 1, page_size: 5 } } });
  expect(notifications.data).toMatchObject({ count: 1, results: [{ type: 'task_assigned', task_id: taskId }] });
  expect(notifications.data!.results[0].content).toContain('typed all the way');

  const one = await operator.GET('/api/workorder-tasks/{id}/', { params: { path: { id: taskId } } });
  expect(one.data).toMatchObject({ id: taskId, assigned_operator: { id: operatorId, username: `typed${operatorId}` } });

  const deliveries = await operator.GET('/api/claims/{claim_id}/deliveries', { params: { path: { claim_id: claimId } } });
  expect(deliveries.data).toEqual({ results: [] });

  // Every answer above went through the response check; make sure they all did.
  expect(checked.map(({ method, status }) => `${method} ${status}`)).toEqual(
    expect.arrayContaining(['PUT 201', 'POST 201', 'GET 200', 'POST 200', 'POST 400', 'GET 404']),
  );
  expect(checked).toHaveLength(15);
});
