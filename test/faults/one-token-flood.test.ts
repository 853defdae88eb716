/**
 * SPEC §6: one token's load never fails another token's requests. One operator token sends 1,000
 * deep list reads at once (notifications and the claimable list, page 45 of 100 over about 5,000 rows
 * each) while another token claims and lists: the flooder gets 200s and 429s (MAX_CONCURRENT_PER_TOKEN,
 * default 32), the other token (at most 16 requests in flight, within its own limit) gets every answer, and nobody gets a 5xx. The API runs with the
 * defaults (pool of 10 connections, 2 s PostgreSQL limit).
 */
import { ADMIN_TOKEN } from '../support/test-env';
import { reportFigures } from './support/report';
import { startWorld, type World } from './support/world';

const FLOOD = 1_000;
const VICTIM_CLAIMS = 25;
const VICTIM_READS = 25;
const ROWS = 5_000;
/** The other token is a well-behaved client: it stays under its own MAX_CONCURRENT_PER_TOKEN (32). */
const VICTIM_IN_FLIGHT = 16;

let world: World;
afterAll(() => world?.close());

/** Runs the calls with at most `limit` in progress at once; answers in the calls' order. */
async function inFlightAtMost<T>(limit: number, calls: (() => Promise<T>)[]): Promise<T[]> {
  const answers: T[] = new Array(calls.length);
  let next = 0;
  const lane = async () => {
    while (next < calls.length) {
      const index = next++;
      answers[index] = await calls[index]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, calls.length) }, lane));
  return answers;
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];

test(`${FLOOD} concurrent deep list reads of one token: 429s for it, every claim and read of another token answered, no 5xx`, async () => {
  world = await startWorld();
  // The limit under test at its default; the world's own raise (for its bursts) does not apply here.
  await world.startApi({ MAX_CONCURRENT_PER_TOKEN: '32' });
  await world.startWorker();
  await world.admin('PUT', '/api/admin/departments/1', { name: 'Line 1' });
  await world.admin('PUT', '/api/admin/operators/1', { username: 'flooder', department_ids: [1] });
  await world.admin('PUT', '/api/admin/operators/2', { username: 'bystander', department_ids: [1], max_active_tasks: 1000 });
  for (let first = 1; first <= ROWS; first += 1000) {
    const tasks = Array.from({ length: 1000 }, (_, i) => ({
      id: first + i,
      work_order: { id: 1, order_number: 'WO-1' },
      work_content: `step ${first + i}`,
      status: 'pending',
      assigned_department_id: 1,
    }));
    await world.admin('PUT', '/api/admin/tasks', tasks);
  }
  await world.db().raw(`INSERT INTO notifications (operator_id, type, params, task_id) SELECT 1, 'task_assigned', '{}', n FROM generate_series(1, ?) AS n`, [ROWS]);
  const tokenOf = async (operatorId: number) => {
    const response = await fetch(`${world.baseUrl}/api/admin/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'operator', name: `op${operatorId}`, operator_id: operatorId }),
    });
    return ((await response.json()) as { token: string }).token;
  };
  const [flooder, bystander] = [await tokenOf(1), await tokenOf(2)];

  const call = async (token: string, path: string, init: RequestInit = {}) => {
    const startedAt = performance.now();
    try {
      const response = await fetch(world.baseUrl + path, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });
      await response.arrayBuffer();
      return { status: response.status, retryAfter: response.headers.get('retry-after'), ms: performance.now() - startedAt };
    } catch (error) {
      return { status: `network error: ${(error as Error).message}`, retryAfter: null, ms: performance.now() - startedAt };
    }
  };
  const deepReads = ['/api/notifications/?page_size=100&page=45', '/api/workorder-tasks/claimable/?page_size=100&page=45'];
  const flood = Promise.all(Array.from({ length: FLOOD }, (_, i) => call(flooder, deepReads[i % 2])));
  // The other token's work starts with the flood, not after it.
  const bystanderCalls = [
    ...Array.from({ length: VICTIM_CLAIMS }, (_, i) => () =>
      call(bystander, `/api/workorder-tasks/${ROWS - i}/claim/`, { method: 'POST', body: '{}', headers: { prefer: 'wait=10' } }),
    ),
    ...Array.from({ length: VICTIM_READS }, (_, i) => () => call(bystander, deepReads[i % 2])),
  ];
  const bystanderWork = inFlightAtMost(VICTIM_IN_FLIGHT, bystanderCalls);
  const [flooded, served] = await Promise.all([flood, bystanderWork]);

  const count = (answers: { status: number | string }[]) => {
    const counts: Record<string, number> = {};
    for (const answer of answers) counts[answer.status] = (counts[answer.status] ?? 0) + 1;
    return counts;
  };
  reportFigures('one-token-flood', {
    flooder: count(flooded),
    bystander: count(served),
    bystanderMs: { p50: Math.round(percentile(served.map((a) => a.ms), 0.5)), max: Math.round(Math.max(...served.map((a) => a.ms))) },
    flooderServedMs: { p50: Math.round(percentile(flooded.filter((a) => a.status === 200).map((a) => a.ms), 0.5)) },
  });
  expect(served.map((answer) => answer.status)).toEqual(Array(VICTIM_CLAIMS + VICTIM_READS).fill(200));
  expect(Object.keys(count(flooded)).sort()).toEqual(['200', '429']);
  for (const answer of flooded.filter((a) => a.status === 429)) expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
});
