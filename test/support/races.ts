import { partitionOf } from '@taskclaim/shared/queue';
import type { Http } from './http';
import { ADMIN_TOKEN, eventually, type TestEnv } from './test-env';

/**
 * The two races of the claim pipeline, shared by the single-Redis, Redis Cluster and multi-process
 * tests. `apis` are the API processes to send the claims to, in turn (as a load balancer would);
 * by default the env's in-process API. Needs workers running.
 */

type ClaimRow = { id: number; task_id: number; operator_id: number; status: string; code: string | null };

/** The rows of these claims once none is queued any more. */
export function decidedClaims(env: TestEnv, ids: number[], timeoutMs = 30_000): Promise<ClaimRow[]> {
  return eventually(async () => {
    const rows: ClaimRow[] = await env.db('claim_requests').whereIn('id', ids).orderBy('id');
    return rows.every((row) => row.status !== 'queued') ? rows : undefined;
  }, timeoutMs, 'every claim to be decided');
}

const claimAsync = (apis: Http[], index: number, token: string, taskId: number) =>
  apis[index % apis.length]('POST', `/api/workorder-tasks/${taskId}/claim/`, { token, body: {}, headers: { prefer: 'respond-async' } });

/** Every claim accepted (202), else the refusals themselves in the failure. */
function expectAllAccepted(responses: Awaited<ReturnType<Http>>[]): void {
  const refused = responses.filter((response) => response.status !== 202).map((response) => ({ status: response.status, body: response.body }));
  if (refused.length) throw new Error(`${refused.length} of ${responses.length} claims not accepted: ${JSON.stringify(refused).slice(0, 2_000)}`);
}

/** 40 operators claim one task at the same instant: one winner (the claim accepted first), 39 already_claimed. */
export async function raceFortyOperators(env: TestEnv, apis: Http[] = [env.http]): Promise<{ taskId: number; rows: ClaimRow[] }> {
  const department = await env.factories.newDepartment();
  const operators = await Promise.all(Array.from({ length: 40 }, () => env.factories.newOperator({ departmentIds: [department.id] })));
  const task = await env.factories.newTask({ departmentId: department.id });

  const responses = await Promise.all(operators.map((operator, index) => claimAsync(apis, index, operator.token, task.id)));
  expectAllAccepted(responses);
  const rows = await decidedClaims(env, responses.map((response) => response.body.claim_id));

  const winners = rows.filter((row) => row.status === 'succeeded');
  expect(winners).toHaveLength(1);
  expect(rows.filter((row) => row.status === 'rejected' && row.code === 'already_claimed')).toHaveLength(39);
  expect(winners[0].id).toBe(rows[0].id); // the claim accepted first wins
  const shown = await env.http('GET', `/api/workorder-tasks/${task.id}/`, { token: ADMIN_TOKEN });
  expect(shown.body.assigned_operator.id).toBe(winners[0].operator_id);
  const notifications = await env.db('notifications').where({ task_id: task.id });
  expect(notifications).toHaveLength(1);
  expect(notifications[0].operator_id).toBe(winners[0].operator_id);
  return { taskId: task.id, rows };
}

/** An operator with a limit of 3 claims 12 tasks in 12 different partitions at once: exactly 3 succeed, 9 capacity_reached. */
export async function raceCapacity(env: TestEnv, apis: Http[] = [env.http]): Promise<{ taskIds: number[]; rows: ClaimRow[] }> {
  expect(env.config.CLAIM_PARTITIONS).toBeGreaterThanOrEqual(12);
  const department = await env.factories.newDepartment();
  const operator = await env.factories.newOperator({ departmentIds: [department.id], maxActiveTasks: 3 });
  const taskIds: number[] = [];
  const partitions = new Set<number>();
  while (taskIds.length < 12) {
    const task = await env.factories.newTask({ departmentId: department.id });
    const partition = partitionOf(task.id, env.config.CLAIM_PARTITIONS);
    if (partitions.has(partition)) continue;
    partitions.add(partition);
    taskIds.push(task.id);
  }
  const responses = await Promise.all(taskIds.map((taskId, index) => claimAsync(apis, index, operator.token, taskId)));
  expectAllAccepted(responses);
  const rows = await decidedClaims(env, responses.map((response) => response.body.claim_id));
  expect(rows.filter((row) => row.status === 'succeeded')).toHaveLength(3);
  expect(rows.filter((row) => row.code === 'capacity_reached')).toHaveLength(9);
  const mine = await env.http('GET', '/api/workorder-tasks/mine/', { token: operator.token });
  expect(mine.body).toMatchObject({ active_count: 3, limit: 3 });
  return { taskIds, rows };
}

/** A fresh operator claims a fresh task through `api` with `Prefer: wait`: a worker's decision answers the request. */
export async function expectClaimAnsweredByWorker(env: TestEnv, api: Http): Promise<void> {
  const department = await env.factories.newDepartment();
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const task = await env.factories.newTask({ departmentId: department.id });
  const response = await api('POST', `/api/workorder-tasks/${task.id}/claim/`, { token: operator.token, body: {}, headers: { prefer: 'wait=20' } });
  expect(response.status).toBe(200);
  expect(response.body).toMatchObject({ status: 'succeeded', task: { id: task.id } });
}
