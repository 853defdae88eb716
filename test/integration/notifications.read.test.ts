/**
 * POST /api/notifications/read (SPEC §4): marks the caller's notifications read — those of `ids`, or
 * all of them without — and answers 200 `{updated}`; ids of others' notifications are ignored. Bad
 * input is a problem+json that changes nothing. Real PostgreSQL and Redis, real workers.
 */
import { createTaskclaimClient } from '@taskclaim/client';
import { ADMIN_TOKEN, makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
let department: { id: number };
beforeAll(async () => {
  env = await makeTestEnv();
  await env.startWorker();
  department = await env.factories.newDepartment();
});
afterAll(() => env?.close());

const markRead = (token: string, body?: unknown, query = '') => env.http('POST', `/api/notifications/read${query}`, { token, body });
const unreadIds = async (operatorId: number) => (await env.db('notifications').where({ operator_id: operatorId }).whereNull('read_at').orderBy('id').pluck('id')).map(Number);

/** An operator of `departmentId` who won `count` claims, so holds that many unread notifications (ids ascending). */
async function notifiedOperator(count: number, departmentId = department.id) {
  const operator = await env.factories.newOperator({ departmentIds: [departmentId] });
  for (let i = 0; i < count; i++) {
    const task = await env.factories.newTask({ departmentId });
    expect((await env.factories.claim(operator.token, task.id)).body.status).toBe('succeeded');
  }
  const ids = await unreadIds(operator.id);
  expect(ids).toHaveLength(count);
  return { ...operator, ids };
}

test('with ids: those become read, 200 {updated}; the list shows read_at; a second time updates none', async () => {
  const operator = await notifiedOperator(3);
  const [first, second, third] = operator.ids;
  const response = await markRead(operator.token, { ids: [first, third] });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('application/json');
  expect(response.body).toEqual({ updated: 2 });
  expect(await unreadIds(operator.id)).toEqual([second]);

  const listed = await env.http('GET', '/api/notifications/', { token: operator.token });
  const readAt = Object.fromEntries(listed.body.results.map((notification: { id: number; read_at: string | null }) => [notification.id, notification.read_at]));
  expect(readAt[second]).toBeNull();
  for (const id of [first, third]) expect(new Date(readAt[id]).getTime()).not.toBeNaN();

  expect((await markRead(operator.token, { ids: [first, third] })).body).toEqual({ updated: 0 });
  expect((await markRead(operator.token, { ids: [] })).body).toEqual({ updated: 0 });
  expect(await unreadIds(operator.id)).toEqual([second]);
});

test('without ids (an empty object, or no body at all): every notification of the caller becomes read', async () => {
  const withObject = await notifiedOperator(2);
  expect((await markRead(withObject.token, {})).body).toEqual({ updated: 2 });
  expect(await unreadIds(withObject.id)).toEqual([]);

  const withoutBody = await notifiedOperator(2);
  const response = await markRead(withoutBody.token);
  expect({ status: response.status, body: response.body }).toEqual({ status: 200, body: { updated: 2 } });
  expect(await unreadIds(withoutBody.id)).toEqual([]);
});

test("ids of another operator's notifications are ignored: theirs stay unread", async () => {
  const me = await notifiedOperator(1);
  const other = await notifiedOperator(2);
  expect((await markRead(me.token, { ids: [...other.ids, me.ids[0]] })).body).toEqual({ updated: 1 });
  expect(await unreadIds(other.id)).toEqual(other.ids);
  expect(await unreadIds(me.id)).toEqual([]);
  // and ids nobody has
  expect((await markRead(other.token, { ids: [Number.MAX_SAFE_INTEGER] })).body).toEqual({ updated: 0 });
  expect(await unreadIds(other.id)).toEqual(other.ids);
});

test.each([
  ['ids not an array', { ids: 5 }, 'body.ids'],
  ['an id that is not a positive integer', { ids: [1, 0] }, 'body.ids.1'],
  ['an id given as text', { ids: ['1'] }, 'body.ids.0'],
  ['an id with a fraction', { ids: [1.5] }, 'body.ids.0'],
  ['an id over 2^53 - 1', { ids: [2 ** 53] }, 'body.ids.0'],
  ['ids null', { ids: null }, 'body.ids'],
  ['an unknown field', { ids: [], all: true }, 'body'],
  ['a body that is an array', [1, 2], 'body'],
])('%s → 400 validation_error naming the field, and nothing changes', async (_case, body, path) => {
  const operator = await notifiedOperator(1);
  const response = await markRead(operator.token, body);
  expect(response.status).toBe(400);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect(response.body).toMatchObject({ status: 400, code: 'validation_error', type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(path);
  expect(await unreadIds(operator.id)).toEqual(operator.ids);
});

test('malformed JSON → 400, a body that is not JSON → 415, no token → 401, a deactivated operator → 403: nothing changes', async () => {
  const operator = await notifiedOperator(1);
  const raw = (rawBody: string, contentType: string) =>
    env.http('POST', '/api/notifications/read', { token: operator.token, rawBody, headers: { 'content-type': contentType } });
  expect(await raw('{"ids": [', 'application/json')).toMatchObject({ status: 400, body: { code: 'validation_error' } });
  expect(await raw('ids=1', 'application/x-www-form-urlencoded')).toMatchObject({ status: 415, body: { code: 'unsupported_media_type' } });
  expect(await env.http('POST', '/api/notifications/read', { body: {} })).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
  expect(await unreadIds(operator.id)).toEqual(operator.ids);

  await env.http('PUT', `/api/admin/operators/${operator.id}`, { token: ADMIN_TOKEN, body: { username: operator.username, department_ids: [department.id], active: false } });
  expect(await markRead(operator.token, {})).toMatchObject({ status: 403, body: { code: 'forbidden' } });
  expect(await unreadIds(operator.id)).toEqual(operator.ids);
});

test('integration and admin tokens name the operator with ?operator_id=; an integration marks only notifications of its departments', async () => {
  const other = await env.factories.newDepartment();
  const operator = await env.factories.newOperator({ departmentIds: [department.id, other.id] });
  const ours = await env.factories.newTask({ departmentId: department.id });
  const theirs = await env.factories.newTask({ departmentId: other.id });
  for (const task of [ours, theirs]) expect((await env.factories.claim(operator.token, task.id)).body.status).toBe('succeeded');
  const integration = await env.factories.newToken({ kind: 'integration', name: 'MES', department_ids: [department.id] });

  expect(await markRead(integration.token, {})).toMatchObject({ status: 400, body: { code: 'validation_error' } });
  expect((await markRead(integration.token, {}, `?operator_id=${operator.id}`)).body).toEqual({ updated: 1 });
  const [theirNotification] = await unreadIds(operator.id);
  expect(await env.db('notifications').where({ id: theirNotification }).first('task_id')).toEqual({ task_id: theirs.id });

  const outsider = await env.factories.newOperator({ departmentIds: [other.id] });
  expect(await markRead(integration.token, {}, `?operator_id=${outsider.id}`)).toMatchObject({ status: 403, body: { code: 'forbidden' } });
  expect((await markRead(ADMIN_TOKEN, { ids: [theirNotification] }, `?operator_id=${operator.id}`)).body).toEqual({ updated: 1 });
  expect(await unreadIds(operator.id)).toEqual([]);
});

test('the SDK: markNotificationsRead with and without ids', async () => {
  const operator = await notifiedOperator(2);
  const client = createTaskclaimClient({ baseUrl: env.baseUrl, token: operator.token });
  expect(await client.markNotificationsRead({ ids: [operator.ids[1]] })).toEqual({ updated: 1 });
  expect(await unreadIds(operator.id)).toEqual([operator.ids[0]]);
  expect(await client.markNotificationsRead()).toEqual({ updated: 1 });
  expect(await unreadIds(operator.id)).toEqual([]);
});
