/**
 * Every list stays cheap at depth (issue 21). In lists of 100,000 rows — a task's history, an
 * operator's notifications, the claimable list — the deepest page a client may ask for (MAX_LIST_DEPTH
 * items in) and the count come off indexes: no sequential scan of the big table, no sort of it; a
 * deeper page is refused without reading a row. The statements are the repositories' own, caught as
 * they run and explained with EXPLAIN ANALYZE. The figures are quoted in docs/limits.md.
 */
import { MAX_LIST_DEPTH } from '@taskclaim/shared/domain';
import { tasksRepo } from '@taskclaim/shared/db';
import { pageClaimsOfTask } from '../../services/api/src/db/claims.repository';
import * as notificationsRepo from '../../services/api/src/db/notifications.repository';
import { makeTestEnv, type TestEnv } from '../support/test-env';

const ROWS = 100_000;
const DEEPEST = { offset: MAX_LIST_DEPTH - 100, limit: 100 };

let env: TestEnv;
let operator: { id: number };
let other: { id: number };
let department: { id: number };
let task: { id: number };

beforeAll(async () => {
  env = await makeTestEnv();
  department = await env.factories.newDepartment();
  operator = await env.factories.newOperator({ departmentIds: [department.id] });
  other = await env.factories.newOperator({ departmentIds: [department.id] });
  task = await env.factories.newTask({ departmentId: department.id });
  const workOrder = env.factories.nextId();
  await env.db('work_orders').insert({ id: workOrder, order_number: `WO-${workOrder}` });
  // As many rows again of someone else, so an index is worth its while only if the plan uses it well.
  await env.db.raw(
    `INSERT INTO notifications (operator_id, type, task_id, created_at)
     SELECT CASE WHEN n % 2 = 0 THEN ?::bigint ELSE ?::bigint END, 'task_assigned', n, now() - (n / 7) * interval '1 second' FROM generate_series(1, ?) AS n`,
    [operator.id, other.id, 2 * ROWS],
  );
  await env.db.raw(
    `INSERT INTO claim_requests (task_id, operator_id, status, code, completed_at)
     SELECT CASE WHEN n % 2 = 0 THEN ?::bigint ELSE ?::bigint END, ?, 'rejected', 'already_claimed', now() FROM generate_series(1, ?) AS n`,
    [task.id, task.id + 1, operator.id, 2 * ROWS],
  );
  await env.db.raw(
    `INSERT INTO work_order_tasks (id, work_order_id, work_content, status, assigned_department_id)
     SELECT 20000000 + n, ?, 'bulk', CASE WHEN n % 2 = 0 THEN 'pending' ELSE 'completed' END, ? FROM generate_series(1, ?) AS n`,
    [workOrder, department.id, 2 * ROWS],
  );
  await env.db.raw('VACUUM ANALYZE notifications, claim_requests, work_order_tasks');
}, 180_000);
afterAll(() => env?.close());

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; 'Actual Rows': number; Plans?: PlanNode[] };
const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/** Runs `list`, catching the statements it sends, and returns each one's plan (EXPLAIN ANALYZE) and time. */
async function plansOf(list: () => Promise<unknown>): Promise<{ sql: string; nodes: PlanNode[]; ms: number }[]> {
  const statements: { sql: string; bindings: readonly unknown[] }[] = [];
  const listener = (query: { sql: string; bindings?: readonly unknown[] }) => statements.push({ sql: query.sql, bindings: query.bindings ?? [] });
  env.db.on('query', listener);
  try {
    await list();
  } finally {
    env.db.off('query', listener);
  }
  const plans = [];
  for (const { sql, bindings } of statements) {
    const { rows } = await env.db.raw(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql.replace(/\$\d+/g, '?')}`, bindings as never);
    const [explained] = rows[0]['QUERY PLAN'];
    plans.push({ sql, nodes: nodesOf(explained.Plan), ms: explained['Execution Time'] as number });
  }
  return plans;
}

/** No sequential scan of the list's table, and no sort of more rows than lead up to the page. */
function expectIndexed(plans: { sql: string; nodes: PlanNode[]; ms: number }[], table: string) {
  expect(plans.length).toBeGreaterThan(0);
  for (const { sql, nodes } of plans) {
    expect({ sql, seqScans: nodes.filter((node) => node['Node Type'].includes('Seq Scan') && node['Relation Name'] === table).length }).toEqual({ sql, seqScans: 0 });
    // a sort, if the planner prefers one to the walk, keeps at most the rows up to the page (top-N)
    for (const sort of nodes.filter((node) => node['Node Type'] === 'Sort')) expect(sort['Actual Rows']).toBeLessThanOrEqual(DEEPEST.offset + DEEPEST.limit);
  }
  const shape = (nodes: PlanNode[]) => nodes.map((node) => `${node['Node Type']}${node['Index Name'] ? ` using ${node['Index Name']}` : ''}`).join(' → ');
  console.info(
    `${table}, page at offset ${DEEPEST.offset}: ${plans.map((plan) => `${plan.ms.toFixed(1)} ms`).join(' + ')}\n` +
      plans.map((plan, i) => `  statement ${i + 1}: ${shape(plan.nodes)}`).join('\n'),
  );
}

test('the deepest page of a task history of 100,000 requests, and its count', async () => {
  const plans = await plansOf(() => pageClaimsOfTask(env.db, task.id, DEEPEST));
  expectIndexed(plans, 'claim_requests');
  const page = await pageClaimsOfTask(env.db, task.id, DEEPEST);
  expect({ count: page.count, rows: page.results.length }).toEqual({ count: ROWS, rows: 100 });
});

test("the deepest page of an operator's 100,000 notifications, and its count", async () => {
  const plans = await plansOf(() => notificationsRepo.pageNotifications(env.db, operator.id, DEEPEST));
  expectIndexed(plans, 'notifications');
  const page = await notificationsRepo.pageNotifications(env.db, operator.id, DEEPEST);
  expect({ count: page.count, rows: page.results.length }).toEqual({ count: ROWS, rows: 100 });
});

test('the deepest page of 100,000 claimable tasks, and its count', async () => {
  const scope = { departmentIds: [department.id], skills: [] };
  const plans = await plansOf(() => tasksRepo.pageClaimableTasks(env.db, scope, DEEPEST));
  expectIndexed(plans, 'work_order_tasks');
  const page = await tasksRepo.pageClaimableTasks(env.db, scope, DEEPEST);
  expect({ count: page.count, rows: page.results.length }).toEqual({ count: ROWS + 1, rows: 100 });
});

test('a page deeper than MAX_LIST_DEPTH, or past the end, reads no rows: only the count runs', async () => {
  for (const offset of [MAX_LIST_DEPTH, ROWS - 100, 10 * ROWS]) {
    const plans = await plansOf(() => notificationsRepo.pageNotifications(env.db, operator.id, { offset, limit: 100 }));
    expect(plans.map((plan) => plan.sql)).toEqual([expect.stringMatching(/count/i)]);
  }
});

test('over HTTP: a page deeper than MAX_LIST_DEPTH inside the list → 400 on query.page; past the end → an empty page', async () => {
  const token = (await env.factories.newToken({ kind: 'operator', name: 'deep reader', operator_id: operator.id })).token;
  const deep = await env.http('GET', `/api/notifications/?page_size=100&page=${MAX_LIST_DEPTH / 100 + 1}`, { token });
  expect({ status: deep.status, code: deep.body.code, path: deep.body.errors?.[0]?.path }).toEqual({ status: 400, code: 'validation_error', path: 'query.page' });
  const last = await env.http('GET', `/api/notifications/?page_size=100&page=${MAX_LIST_DEPTH / 100}`, { token });
  expect({ status: last.status, rows: last.body.results.length, next: last.body.next }).toEqual({ status: 200, rows: 100, next: null });
  const history = await env.http('GET', `/api/workorder-tasks/${task.id}/claims/?page=${MAX_LIST_DEPTH / 20 + 1}`, { token });
  expect({ status: history.status, code: history.body.code }).toEqual({ status: 400, code: 'validation_error' });
  const pastTheEnd = await env.http('GET', '/api/notifications/?page=999999999', { token });
  expect({ status: pastTheEnd.status, count: pastTheEnd.body.count, results: pastTheEnd.body.results, next: pastTheEnd.body.next }).toEqual({
    status: 200,
    count: ROWS,
    results: [],
    next: null,
  });
});
