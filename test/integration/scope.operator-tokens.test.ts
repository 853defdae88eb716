/**
 * SPEC §4 Scope, operator tokens: an operator sees the tasks of its departments and the tasks assigned
 * to it; any other task, and its history, does not exist for it. A claim of such a task is still
 * decided (not_in_department), but its answer does not show the task; a release or start of it
 * (not_assignee) does not name who holds it.
 */
import { openEventStream } from '../support/live-events';
import { ADMIN_TOKEN, makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
let operator: { id: number; token: string };
let ownDepartment: { id: number };
let ownDepartmentTask: { id: number };
let otherDepartmentTask: { id: number };
let assignedInOtherDepartment: { id: number };

beforeAll(async () => {
  env = await makeTestEnv({ CLAIM_DISPATCH: 'inline' });
  const own = await env.factories.newDepartment();
  ownDepartment = own;
  const other = await env.factories.newDepartment();
  operator = await env.factories.newOperator({ departmentIds: [own.id] });
  ownDepartmentTask = await env.factories.newTask({ departmentId: own.id });
  otherDepartmentTask = await env.factories.newTask({ departmentId: other.id });
  assignedInOtherDepartment = await env.factories.newTask({ departmentId: other.id, assignedOperatorId: operator.id });
});
afterAll(() => env?.close());

const read = (path: string) => env.http('GET', path, { token: operator.token });

test("another department's task and its history → 404 task_not_found, as for a task that does not exist", async () => {
  for (const path of [`/api/workorder-tasks/${otherDepartmentTask.id}/`, `/api/workorder-tasks/${otherDepartmentTask.id}/claims/`]) {
    const response = await read(path);
    expect({ path, status: response.status, code: response.body.code }).toEqual({ path, status: 404, code: 'task_not_found' });
  }
  expect((await env.http('GET', `/api/workorder-tasks/${otherDepartmentTask.id}/`, { token: ADMIN_TOKEN })).status).toBe(200);
});

test('a task of its own department, and one assigned to it in another department → 200', async () => {
  for (const task of [ownDepartmentTask, assignedInOtherDepartment]) {
    const response = await read(`/api/workorder-tasks/${task.id}/`);
    expect({ status: response.status, id: response.body.id }).toEqual({ status: 200, id: task.id });
    expect((await read(`/api/workorder-tasks/${task.id}/claims/`)).status).toBe(200);
  }
});

test("a claim of another department's task answers not_in_department without the task, now and when read again", async () => {
  const response = await env.factories.claim(operator.token, otherDepartmentTask.id, {}, { prefer: 'wait=10' });
  expect({ status: response.status, code: response.body.code }).toEqual({ status: 400, code: 'not_in_department' });
  expect(response.body.claim).not.toHaveProperty('task');
  const again = await read(`/api/claims/${response.body.claim_id}`);
  expect({ status: again.status, code: again.body.code }).toEqual({ status: 200, code: 'not_in_department' });
  expect(again.body).not.toHaveProperty('task');
  // The admin sees the task in the same claim.
  expect((await env.http('GET', `/api/claims/${response.body.claim_id}`, { token: ADMIN_TOKEN })).body.task.id).toBe(otherDepartmentTask.id);
});

test('moved out of a department through the admin API, an operator stops seeing its tasks at once (the departments each API process remembers are forgotten)', async () => {
  const department = await env.factories.newDepartment();
  const mover = await env.factories.newOperator({ departmentIds: [department.id] });
  const task = await env.factories.newTask({ departmentId: department.id });
  const readTask = () => env.http('GET', `/api/workorder-tasks/${task.id}/`, { token: mover.token });
  expect((await readTask()).status).toBe(200);
  const moved = await env.http('PUT', `/api/admin/operators/${mover.id}`, { token: ADMIN_TOKEN, body: { username: mover.username, first_name: 'First', last_name: 'Moved', department_ids: [] } });
  expect(moved.status).toBe(200);
  expect((await readTask()).status).toBe(404);
});

test("a release or start of another department's task answers not_assignee without naming its holder: in the answer, when read again, on the stream", async () => {
  const other = await env.factories.newDepartment();
  const holder = await env.factories.newOperator({ departmentIds: [other.id] });
  const held = await env.factories.newTask({ departmentId: other.id, assignedOperatorId: holder.id });
  const stream = await openEventStream(env.baseUrl, operator.token);
  try {
    for (const action of ['release', 'start'] as const) {
      for (const language of ['en', 'zh-CN']) {
        const response = await env.http('POST', `/api/workorder-tasks/${held.id}/${action}/`, { token: operator.token, body: {}, headers: { prefer: 'wait=10', 'accept-language': language } });
        expect({ action, status: response.status, code: response.body.code }).toEqual({ action, status: 400, code: 'not_assignee' });
        expect(response.body.claim).not.toHaveProperty('task');
        const again = await env.http('GET', `/api/claims/${response.body.claim_id}`, { token: operator.token, headers: { 'accept-language': language } });
        const decided = await stream.next((event) => event.event === 'claim.decided' && event.data.claim_id === response.body.claim_id);
        for (const [where, body] of [['answer', response.body], ['read again', again.body], ['stream', decided.data]]) {
          expect({ action, language, where, namesHolder: JSON.stringify(body).includes(holder.username) }).toEqual({ action, language, where, namesHolder: false });
        }
      }
    }
  } finally {
    stream.close();
  }
  // A task it sees (its own department's) names the holder, as the rules say.
  const visible = await env.factories.newTask({ departmentId: ownDepartment.id, assignedOperatorId: holder.id });
  const release = await env.http('POST', `/api/workorder-tasks/${visible.id}/release/`, { token: operator.token, body: {}, headers: { prefer: 'wait=10' } });
  expect({ code: release.body.code, detail: release.body.detail }).toEqual({ code: 'not_assignee', detail: `This task is assigned to ${holder.username}, not to you, so you cannot release it.` });
});
