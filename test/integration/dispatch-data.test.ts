/**
 * SPEC §2 "Dispatch data" through the admin upserts (§4 Admin): task priority, due date and required
 * skills, operator skills, a department's claim lease — their validation (a bad value changes nothing),
 * an omitted field keeping its value, null clearing, and the task resource showing them.
 */
import { expectValidation } from '../support/http-contract';
import { ADMIN_TOKEN, makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
let department: { id: number };
beforeAll(async () => {
  env = await makeTestEnv();
  department = await env.factories.newDepartment();
});
afterAll(() => env.close());

const putTask = (id: number, body: Record<string, unknown>) =>
  env.http('PUT', `/api/admin/tasks/${id}`, {
    token: ADMIN_TOKEN,
    body: { work_order: { id: 1, order_number: 'WO-1' }, work_content: 'Weld', status: 'pending', assigned_department_id: department.id, ...body },
  });
const getTask = async (id: number) => (await env.http('GET', `/api/workorder-tasks/${id}/`, { token: ADMIN_TOKEN })).body;

test('a new task gets priority 50, no due date and no required skills; the resource shows them with claimed_at and lease_expires_at', async () => {
  const id = env.factories.nextId();
  const created = await putTask(id, {});
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ priority: 50, due_at: null, required_skills: [], claimed_at: null, lease_expires_at: null });
  expect(await getTask(id)).toMatchObject({ priority: 50, due_at: null, required_skills: [] });
});

test('priority, due_at and required_skills are stored; an omitted one keeps its value; null clears due_at', async () => {
  const id = env.factories.nextId();
  const set = await putTask(id, { priority: 90, due_at: '2026-12-04T16:30:00+08:00', required_skills: ['welding', '焊工证'] });
  expect(set.body).toMatchObject({ priority: 90, due_at: '2026-12-04T08:30:00.000Z', required_skills: ['welding', '焊工证'] });
  const sparse = await putTask(id, { work_content: 'Weld again' });
  expect(sparse.status).toBe(200);
  expect(sparse.body).toMatchObject({ work_content: 'Weld again', priority: 90, due_at: '2026-12-04T08:30:00.000Z', required_skills: ['welding', '焊工证'] });
  const cleared = await putTask(id, { due_at: null, required_skills: [], priority: 0 });
  expect(cleared.body).toMatchObject({ priority: 0, due_at: null, required_skills: [] });
  expect(await getTask(id)).toMatchObject({ priority: 0, due_at: null, required_skills: [] });
});

test('the bulk upsert takes the same fields', async () => {
  const [a, b] = [env.factories.nextId(), env.factories.nextId()];
  const task = (id: number, extra: Record<string, unknown>) => ({ id, work_order: { id: 2, order_number: 'WO-2' }, work_content: 'Paint', status: 'pending', assigned_department_id: department.id, ...extra });
  const response = await env.http('PUT', '/api/admin/tasks', { token: ADMIN_TOKEN, body: [task(a, { priority: 100, required_skills: ['paint'] }), task(b, { due_at: '2026-12-05T00:00:00Z' })] });
  expect(response.body).toEqual({ count: 2, created: 2, updated: 0 });
  expect(await getTask(a)).toMatchObject({ priority: 100, required_skills: ['paint'], due_at: null });
  expect(await getTask(b)).toMatchObject({ priority: 50, required_skills: [], due_at: '2026-12-05T00:00:00.000Z' });
});

describe('bad dispatch data → 400 validation_error naming the field, and nothing changes', () => {
  const skill65 = 'x'.repeat(65);
  const skills51 = Array.from({ length: 51 }, (_, n) => `skill-${n}`);

  test.each<[string, Record<string, unknown>, string]>([
    ['priority above 100', { priority: 101 }, 'body.priority'],
    ['priority below 0', { priority: -1 }, 'body.priority'],
    ['priority not an integer', { priority: 50.5 }, 'body.priority'],
    ['priority as a string', { priority: '80' }, 'body.priority'],
    ['due_at not a date-time', { due_at: 'tomorrow' }, 'body.due_at'],
    ['due_at a date without a time', { due_at: '2026-12-04' }, 'body.due_at'],
    ['due_at on a day that does not exist', { due_at: '2026-02-30T00:00:00Z' }, 'body.due_at'],
    ['due_at in year 0000', { due_at: '0000-01-01T00:00:00Z' }, 'body.due_at'],
    ['an empty skill name', { required_skills: [''] }, 'body.required_skills.0'],
    ['a 65-character skill name', { required_skills: [skill65] }, 'body.required_skills.0'],
    ['51 skills', { required_skills: skills51 }, 'body.required_skills'],
    ['a skill twice', { required_skills: ['a', 'a'] }, 'body.required_skills'],
  ])('task: %s', async (_name, body, path) => {
    const id = env.factories.nextId();
    await putTask(id, { priority: 70, due_at: '2026-12-04T10:00:00Z', required_skills: ['welding'] });
    expectValidation(await putTask(id, { work_content: 'changed', ...body }), path);
    expect(await getTask(id)).toMatchObject({ work_content: 'Weld', priority: 70, due_at: '2026-12-04T10:00:00.000Z', required_skills: ['welding'] });
  });

  test('a 64-character skill name and 50 skills are fine (counted in characters: 64 Chinese characters too)', async () => {
    const id = env.factories.nextId();
    const skills = [...Array.from({ length: 48 }, (_, n) => `s${n}`), 'y'.repeat(64), '焊'.repeat(64)];
    expect((await putTask(id, { required_skills: skills })).status).toBe(201);
    expect((await getTask(id)).required_skills).toEqual(skills);
  });

  test.each<[string, Record<string, unknown>]>([
    ['an empty skill name', { skills: [''] }],
    ['a 65-character skill name', { skills: [skill65] }],
    ['51 skills', { skills: skills51 }],
  ])('operator: %s', async (_name, body) => {
    const operator = await env.factories.newOperator({ departmentIds: [department.id], skills: ['welding'] });
    const response = await env.http('PUT', `/api/admin/operators/${operator.id}`, {
      token: ADMIN_TOKEN,
      body: { username: operator.username, department_ids: [department.id], first_name: 'Changed', ...body },
    });
    expectValidation(response, 'body.skills');
    expect(await env.db('operators').where({ id: operator.id }).first()).toMatchObject({ first_name: 'First', skills: ['welding'] });
  });

  test.each([0, 604_801, 1.5, -5, '60'])('department: claim_lease_seconds %p', async (value) => {
    const created = await env.factories.newDepartment({ claimLeaseSeconds: 600 });
    const response = await env.http('PUT', `/api/admin/departments/${created.id}`, { token: ADMIN_TOKEN, body: { name: 'Renamed', claim_lease_seconds: value } });
    expectValidation(response, 'body.claim_lease_seconds');
    expect(await env.db('departments').where({ id: created.id }).first()).toMatchObject({ name: created.name, claim_lease_seconds: 600 });
  });
});

test('operator skills: stored, kept when omitted, replaced when given', async () => {
  const operator = await env.factories.newOperator({ departmentIds: [department.id], skills: ['welding', 'forklift'] });
  const put = (body: Record<string, unknown>) =>
    env.http('PUT', `/api/admin/operators/${operator.id}`, { token: ADMIN_TOKEN, body: { username: operator.username, department_ids: [department.id], ...body } });
  expect((await put({})).body).toMatchObject({ skills: ['welding', 'forklift'] });
  expect((await put({ skills: ['crane'] })).body).toMatchObject({ skills: ['crane'] });
  expect((await put({ skills: [] })).body).toMatchObject({ skills: [] });
});

test('department claim_lease_seconds: 1 and 604800 accepted, kept when omitted, cleared by null', async () => {
  const id = env.factories.nextId();
  const put = (body: Record<string, unknown>) => env.http('PUT', `/api/admin/departments/${id}`, { token: ADMIN_TOKEN, body: { name: 'Leased', ...body } });
  expect((await put({ claim_lease_seconds: 604_800 })).body).toEqual({ id, name: 'Leased', claim_lease_seconds: 604_800 });
  expect((await put({ claim_lease_seconds: 1 })).body).toEqual({ id, name: 'Leased', claim_lease_seconds: 1 });
  expect((await put({})).body).toEqual({ id, name: 'Leased', claim_lease_seconds: 1 });
  expect((await put({ claim_lease_seconds: null })).body).toEqual({ id, name: 'Leased', claim_lease_seconds: null });
});

test('an admin upsert that assigns a pending task of a leased department starts the lease; setting it in_progress ends it', async () => {
  const leased = await env.factories.newDepartment({ claimLeaseSeconds: 3600 });
  const operator = await env.factories.newOperator({ departmentIds: [leased.id] });
  const id = env.factories.nextId();
  const body = { work_order: { id: 3, order_number: 'WO-3' }, work_content: 'Cut', assigned_department_id: leased.id };
  const put = (extra: Record<string, unknown>) => env.http('PUT', `/api/admin/tasks/${id}`, { token: ADMIN_TOKEN, body: { ...body, ...extra } });
  const assigned = (await put({ status: 'pending', assigned_operator_id: operator.id })).body;
  expect(assigned.claimed_at).not.toBeNull();
  expect(Date.parse(assigned.lease_expires_at) - Date.parse(assigned.claimed_at)).toBe(3600_000);
  // A sync that repeats the same values keeps the lease as it is.
  expect((await put({ status: 'pending' })).body).toMatchObject({ claimed_at: assigned.claimed_at, lease_expires_at: assigned.lease_expires_at });
  const started = (await put({ status: 'in_progress' })).body;
  expect(started).toMatchObject({ claimed_at: assigned.claimed_at, lease_expires_at: null });
  expect((await put({ status: 'pending', assigned_operator_id: null })).body).toMatchObject({ claimed_at: null, lease_expires_at: null });
});
