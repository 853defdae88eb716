/**
 * SPEC §2 "Dispatch order" and §3 rule 4a against the real stack: the claimable list and claim-next
 * follow priority, due date, age; they leave out tasks the operator is not qualified for; a claim of
 * such a task is rejected `missing_skill`, naming the skills, in English and Chinese. And the query
 * behind both reads one department's 100,000 open tasks off the dispatch index, sorting none of them.
 */
import { tasksRepo } from '@taskclaim/shared/db';
import { makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
beforeAll(async () => {
  env = await makeTestEnv();
  await env.startWorker();
});
afterAll(() => env.close());

const claimable = async (token: string) =>
  ((await env.http('GET', '/api/workorder-tasks/claimable/?page_size=100', { token })).body.results as { id: number }[]).map((task) => task.id);
const claimNext = (token: string) => env.http('POST', '/api/workorder-tasks/claim-next/', { token, body: {}, headers: { prefer: 'wait=20' } });

/** Tasks made in a shuffled order, so neither id nor created_at matches the dispatch order by luck. */
async function tasksInDispatchOrder(departmentId: number) {
  const spec = [
    { name: 'urgent, due soonest', priority: 90, dueAt: '2026-12-04T08:00:00Z' },
    { name: 'urgent, due later', priority: 90, dueAt: '2026-12-05T08:00:00Z' },
    { name: 'urgent, no due date, older', priority: 90 },
    { name: 'urgent, no due date, newer', priority: 90 },
    { name: 'normal, due', priority: 50, dueAt: '2026-12-01T08:00:00Z' },
    { name: 'normal', priority: 50 },
    { name: 'low, overdue long ago', priority: 0, dueAt: '2020-01-01T00:00:00Z' },
  ];
  const made = new Map<string, number>();
  for (const index of [5, 2, 6, 0, 4, 3, 1]) {
    const task = spec[index];
    made.set(task.name, (await env.factories.newTask({ departmentId, priority: task.priority, dueAt: task.dueAt, workContent: task.name })).id);
  }
  // "older" must be created before "newer": index 2 came before index 3 above.
  return spec.map((task) => made.get(task.name) as number);
}

test('the claimable list is in dispatch order: priority desc, due_at asc (dated first), created_at, id', async () => {
  const department = await env.factories.newDepartment();
  const ordered = await tasksInDispatchOrder(department.id);
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  expect(await claimable(operator.token)).toEqual(ordered);
  // Pages follow the same order.
  const page2 = await env.http('GET', '/api/workorder-tasks/claimable/?page=2&page_size=3', { token: operator.token });
  expect(page2.body.results.map((task: { id: number }) => task.id)).toEqual(ordered.slice(3, 6));
  expect(page2.body.count).toBe(7);
});

test('the order spans departments: the list merges an operator’s departments in one dispatch order', async () => {
  const [a, b] = [await env.factories.newDepartment(), await env.factories.newDepartment()];
  const low = await env.factories.newTask({ departmentId: a.id, priority: 10 });
  const high = await env.factories.newTask({ departmentId: b.id, priority: 95 });
  const middle = await env.factories.newTask({ departmentId: a.id, priority: 60 });
  const operator = await env.factories.newOperator({ departmentIds: [a.id, b.id] });
  expect(await claimable(operator.token)).toEqual([high.id, middle.id, low.id]);
});

test('claim-next hands out tasks in dispatch order', async () => {
  const department = await env.factories.newDepartment();
  const ordered = await tasksInDispatchOrder(department.id);
  const operator = await env.factories.newOperator({ departmentIds: [department.id], maxActiveTasks: 100 });
  const got: number[] = [];
  for (const _ of ordered) {
    const response = await claimNext(operator.token);
    expect(response.status).toBe(200);
    got.push(response.body.task_id);
  }
  expect(got).toEqual(ordered);
  expect((await claimNext(operator.token)).body).toMatchObject({ code: 'no_claimable_task' });
});

describe('skills', () => {
  let department: { id: number };
  let welder: Awaited<ReturnType<TestEnv['factories']['newOperator']>>;
  let helper: Awaited<ReturnType<TestEnv['factories']['newOperator']>>;
  let welding: { id: number };
  let open: { id: number };
  beforeAll(async () => {
    department = await env.factories.newDepartment();
    welding = await env.factories.newTask({ departmentId: department.id, priority: 100, requiredSkills: ['welding', '焊工证'] });
    open = await env.factories.newTask({ departmentId: department.id, priority: 10 });
    welder = await env.factories.newOperator({ departmentIds: [department.id], skills: ['焊工证', 'welding', 'forklift'] });
    helper = await env.factories.newOperator({ departmentIds: [department.id], skills: ['welding'] });
  });

  test('the claimable list leaves out tasks whose skills the operator lacks', async () => {
    expect(await claimable(welder.token)).toEqual([welding.id, open.id]);
    expect(await claimable(helper.token)).toEqual([open.id]);
    const listed = await env.http('GET', '/api/workorder-tasks/claimable/', { token: helper.token });
    expect(listed.body).toMatchObject({ count: 1, claimable_count: 1 });
  });

  test('rule 4a: a claim by an unqualified operator is rejected missing_skill, naming the missing skills, in English and Chinese', async () => {
    const english = await env.factories.claim(helper.token, welding.id);
    expect(english.status).toBe(400);
    expect(english.body).toMatchObject({ code: 'missing_skill', detail: `Operator ${helper.username} lacks the skills this task requires: 焊工证.` });
    const chinese = await env.factories.claim(helper.token, welding.id, {}, { 'accept-language': 'zh-CN' });
    expect(chinese.body).toMatchObject({ code: 'missing_skill', detail: `操作员 ${helper.username} 缺少该任务所需的技能：焊工证` });
    // Read later in the other language, the stored outcome renders in that language.
    const read = await env.http('GET', `/api/claims/${english.body.claim_id}`, { token: helper.token, headers: { 'accept-language': 'zh' } });
    expect(read.body.detail).toContain('焊工证');
    expect((await env.http('GET', `/api/workorder-tasks/${welding.id}/`, { token: helper.token })).body.assigned_operator).toBeNull();
  });

  test('claim-next skips tasks the operator is not qualified for, even more urgent ones', async () => {
    const response = await claimNext(helper.token);
    expect(response.body).toMatchObject({ status: 'succeeded', task_id: open.id });
    expect((await claimNext(helper.token)).body).toMatchObject({ code: 'no_claimable_task' });
    expect((await claimNext(welder.token)).body).toMatchObject({ status: 'succeeded', task_id: welding.id });
  });

  test('rule 4a comes after rule 4: a non-member lacking the skill is told not_in_department', async () => {
    const outsider = await env.factories.newOperator({ departmentIds: [] });
    const task = await env.factories.newTask({ departmentId: department.id, requiredSkills: ['crane'] });
    expect((await env.factories.claim(outsider.token, task.id)).body).toMatchObject({ code: 'not_in_department' });
  });
});

describe('the query behind the claimable list and claim-next, over 100,000 open tasks of one department', () => {
  let department: { id: number };
  beforeAll(async () => {
    department = await env.factories.newDepartment();
    const workOrder = env.factories.nextId();
    await env.db('work_orders').insert({ id: workOrder, order_number: `WO-${workOrder}` });
    await env.db.raw(
      `INSERT INTO work_order_tasks (id, work_order_id, work_content, status, assigned_department_id, priority, due_at, required_skills, created_at)
       SELECT 10000000 + n, ?, 'bulk', 'pending', ?, n % 101, CASE WHEN n % 3 = 0 THEN now() + n * interval '1 minute' END,
              CASE WHEN n % 10 = 0 THEN ARRAY['crane'] ELSE '{}' END, now() - n * interval '1 second'
       FROM generate_series(1, 100000) AS n`,
      [workOrder, department.id],
    );
    await env.db.raw('VACUUM ANALYZE work_order_tasks');
  }, 120_000);

  type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; 'Actual Rows': number; Plans?: PlanNode[] };
  const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];
  async function plan(query: { toString(): string }): Promise<PlanNode[]> {
    const { rows } = await env.db.raw(`EXPLAIN (ANALYZE, FORMAT JSON) ${query.toString()}`);
    return nodesOf(rows[0]['QUERY PLAN'][0].Plan);
  }
  /** An index scan of the dispatch index; no sequential scan of the tasks; any sort sorts at most the page's rows per department. */
  function expectIndexedPlan(nodes: PlanNode[], rowsPerDepartment: number) {
    expect(nodes.filter((node) => node['Node Type'] === 'Seq Scan' && node['Relation Name'] === 'work_order_tasks')).toEqual([]);
    expect(nodes.some((node) => node['Node Type'].startsWith('Index') && node['Index Name'] === 'work_order_tasks_dispatch_idx')).toBe(true);
    for (const sort of nodes.filter((node) => node['Node Type'] === 'Sort')) {
      for (const input of sort.Plans ?? []) expect(input['Actual Rows']).toBeLessThanOrEqual(rowsPerDepartment);
    }
  }

  test('a page of the claimable list: an index scan of the dispatch index, no sequential scan, no sort of the table', async () => {
    const scope = { departmentIds: [department.id], skills: [] };
    expectIndexedPlan(await plan(tasksRepo.claimableIdsQuery(env.db, scope, { offset: 0, limit: 20 })), 20);
    expectIndexedPlan(await plan(tasksRepo.claimableIdsQuery(env.db, scope, { offset: 200, limit: 100 })), 300);
  });

  test('claim-next’s pick: the same index, no sequential scan, no sort of the table', async () => {
    const scope = { departmentIds: [department.id], skills: ['crane'] };
    expectIndexedPlan(await plan(tasksRepo.claimableIdsQuery(env.db, scope, { offset: 0, limit: 1 }, { claimId: 1, passed: [10000101] })), 1);
  });

  test('the list answers in dispatch order from the 100,000', async () => {
    const operator = await env.factories.newOperator({ departmentIds: [department.id] });
    const listed = await env.http('GET', '/api/workorder-tasks/claimable/?page_size=5', { token: operator.token });
    expect(listed.body.count).toBe(90_000);
    // priority 100 first (n ≡ 100 mod 101), those with a due date (n divisible by 3) first, the crane tasks (n divisible by 10) left out
    const priorities = listed.body.results.map((task: { priority: number }) => task.priority);
    expect(priorities).toEqual([100, 100, 100, 100, 100]);
    expect(listed.body.results[0].due_at).not.toBeNull();
  });
});
