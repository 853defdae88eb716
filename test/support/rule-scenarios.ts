import type { TestEnv } from './test-env';
import { ADMIN_TOKEN } from './test-env';
import { whilePaused } from './paused-queues';

export interface RuleScenario {
  rule: string;
  /** what the claim must end as */
  expected: { status: 'succeeded'; alreadyClaimed: boolean } | { status: 'rejected'; code: string };
  /** builds the data; returns who claims what */
  arrange(env: TestEnv): Promise<{ token: string; taskId: number; body?: Record<string, unknown>; operatorId: number }>;
  /** runs after the claim is accepted and before it is decided (rule 1 deletes the task here) */
  afterAccept?(env: TestEnv, taskId: number): Promise<void>;
  /** extra checks once decided */
  verify?(env: TestEnv, claim: { claim_id: number; detail: string }, context: { operatorId: number; taskId: number; token: string }): Promise<void>;
}

const notificationCount = async (env: TestEnv, operatorId: number) =>
  Number((await env.db('notifications').where({ operator_id: operatorId }).count({ n: '*' }))[0].n);

/** Every row of SPEC §3, as data: used through the queue (async and Prefer: wait) and inline. */
export const RULE_SCENARIOS: RuleScenario[] = [
  {
    rule: '0 operator deactivated',
    expected: { status: 'rejected', code: 'operator_inactive' },
    async arrange(env) {
      const department = await env.factories.newDepartment();
      const operator = await env.factories.newOperator({ departmentIds: [department.id], active: false });
      const task = await env.factories.newTask({ departmentId: department.id });
      // the operator's own token is refused (403), so the admin claims on their behalf
      return { token: ADMIN_TOKEN, taskId: task.id, body: { operator_id: operator.id }, operatorId: operator.id };
    },
  },
  {
    rule: '1 task deleted after the claim was accepted',
    expected: { status: 'rejected', code: 'task_not_found' },
    async arrange(env) {
      const department = await env.factories.newDepartment();
      const operator = await env.factories.newOperator({ departmentIds: [department.id] });
      const task = await env.factories.newTask({ departmentId: department.id });
      return { token: operator.token, taskId: task.id, operatorId: operator.id };
    },
    async afterAccept(env, taskId) {
      const deleted = await env.http('DELETE', `/api/admin/tasks/${taskId}`, { token: ADMIN_TOKEN });
      if (deleted.status !== 204) throw new Error(`delete failed: ${deleted.status}`);
    },
  },
  ...(['draft', 'completed', 'cancelled'] as const).map(
    (status): RuleScenario => ({
      rule: `2 task ${status}`,
      expected: { status: 'rejected', code: `task_${status}` },
      async arrange(env) {
        const department = await env.factories.newDepartment();
        const operator = await env.factories.newOperator({ departmentIds: [department.id] });
        const task = await env.factories.newTask({ departmentId: department.id, status });
        return { token: operator.token, taskId: task.id, operatorId: operator.id };
      },
    }),
  ),
  {
    rule: '3 task without department',
    expected: { status: 'rejected', code: 'task_no_department' },
    async arrange(env) {
      const department = await env.factories.newDepartment();
      const operator = await env.factories.newOperator({ departmentIds: [department.id] });
      const task = await env.factories.newTask({ departmentId: null });
      return { token: operator.token, taskId: task.id, operatorId: operator.id };
    },
  },
  {
    rule: '4 operator not in the task department',
    expected: { status: 'rejected', code: 'not_in_department' },
    async arrange(env) {
      const mine = await env.factories.newDepartment();
      const other = await env.factories.newDepartment({ name: 'Paint shop' });
      const operator = await env.factories.newOperator({ departmentIds: [mine.id] });
      const task = await env.factories.newTask({ departmentId: other.id });
      return { token: operator.token, taskId: task.id, operatorId: operator.id };
    },
    async verify(_env, claim) {
      if (!claim.detail.includes('Paint shop')) throw new Error(`detail does not name the department: ${claim.detail}`);
    },
  },
  {
    rule: '4a operator lacks required skills',
    expected: { status: 'rejected', code: 'missing_skill' },
    async arrange(env) {
      const department = await env.factories.newDepartment();
      const operator = await env.factories.newOperator({ departmentIds: [department.id], skills: ['forklift', 'welding'] });
      const task = await env.factories.newTask({ departmentId: department.id, requiredSkills: ['crane', 'welding', '焊工证'] });
      return { token: operator.token, taskId: task.id, operatorId: operator.id };
    },
    async verify(env, claim, { taskId }) {
      if (!claim.detail.endsWith('lacks the skills this task requires: crane, 焊工证.')) throw new Error(`detail does not name each missing skill: ${claim.detail}`);
      const task = await env.http('GET', `/api/workorder-tasks/${taskId}/`, { token: ADMIN_TOKEN });
      if (task.body.assigned_operator !== null) throw new Error('a missing_skill claim assigned the task');
    },
  },
  {
    rule: '4a before 5: a task of their own that now requires a skill they lack',
    expected: { status: 'rejected', code: 'missing_skill' },
    async arrange(env) {
      const department = await env.factories.newDepartment();
      const operator = await env.factories.newOperator({ departmentIds: [department.id] });
      const task = await env.factories.newTask({ departmentId: department.id, assignedOperatorId: operator.id, requiredSkills: ['crane'] });
      return { token: operator.token, taskId: task.id, operatorId: operator.id };
    },
  },
  {
    rule: '4a before 6 and 7: an unqualified operator at their limit, on a task held by another',
    expected: { status: 'rejected', code: 'missing_skill' },
    async arrange(env) {
      const department = await env.factories.newDepartment();
      const holder = await env.factories.newOperator({ departmentIds: [department.id], skills: ['crane'] });
      const operator = await env.factories.newOperator({ departmentIds: [department.id], maxActiveTasks: 1 });
      await env.factories.newTask({ departmentId: department.id, assignedOperatorId: operator.id });
      const task = await env.factories.newTask({ departmentId: department.id, assignedOperatorId: holder.id, requiredSkills: ['crane'] });
      return { token: operator.token, taskId: task.id, operatorId: operator.id };
    },
  },
  {
    rule: '5 task already assigned to this operator',
    expected: { status: 'succeeded', alreadyClaimed: true },
    async arrange(env) {
      const department = await env.factories.newDepartment();
      const operator = await env.factories.newOperator({ departmentIds: [department.id] });
      const task = await env.factories.newTask({ departmentId: department.id, assignedOperatorId: operator.id });
      return { token: operator.token, taskId: task.id, operatorId: operator.id };
    },
    async verify(env, _claim, { operatorId }) {
      if ((await notificationCount(env, operatorId)) !== 0) throw new Error('row 5 must not notify');
    },
  },
  {
    rule: '6 task assigned to another operator',
    expected: { status: 'rejected', code: 'already_claimed' },
    async arrange(env) {
      const department = await env.factories.newDepartment();
      const winner = await env.factories.newOperator({ departmentIds: [department.id], username: `winner${env.factories.nextId()}` });
      const operator = await env.factories.newOperator({ departmentIds: [department.id] });
      const task = await env.factories.newTask({ departmentId: department.id, assignedOperatorId: winner.id });
      return { token: operator.token, taskId: task.id, operatorId: operator.id };
    },
    async verify(_env, claim) {
      if (!/winner\d+/.test(claim.detail)) throw new Error(`detail does not name the winner: ${claim.detail}`);
    },
  },
  {
    rule: '7 operator at their own limit',
    expected: { status: 'rejected', code: 'capacity_reached' },
    async arrange(env) {
      const department = await env.factories.newDepartment();
      const operator = await env.factories.newOperator({ departmentIds: [department.id], maxActiveTasks: 2 });
      await env.factories.newTask({ departmentId: department.id, assignedOperatorId: operator.id, status: 'pending' });
      await env.factories.newTask({ departmentId: department.id, assignedOperatorId: operator.id, status: 'in_progress' });
      // completed tasks do not count
      await env.factories.newTask({ departmentId: department.id, assignedOperatorId: operator.id, status: 'completed' });
      const task = await env.factories.newTask({ departmentId: department.id });
      return { token: operator.token, taskId: task.id, operatorId: operator.id };
    },
    async verify(_env, claim) {
      if (!/\b2\b.*\b2\b/.test(claim.detail)) throw new Error(`detail does not state count and limit: ${claim.detail}`);
    },
  },
  {
    rule: '7 operator at MAX_ACTIVE_TASKS when they have no limit of their own',
    expected: { status: 'rejected', code: 'capacity_reached' },
    async arrange(env) {
      const department = await env.factories.newDepartment();
      const operator = await env.factories.newOperator({ departmentIds: [department.id] });
      for (let i = 0; i < env.config.MAX_ACTIVE_TASKS; i++) {
        await env.factories.newTask({ departmentId: department.id, assignedOperatorId: operator.id });
      }
      const task = await env.factories.newTask({ departmentId: department.id });
      return { token: operator.token, taskId: task.id, operatorId: operator.id };
    },
  },
  {
    rule: '8 claimable task: succeeded with one notification',
    expected: { status: 'succeeded', alreadyClaimed: false },
    async arrange(env) {
      const department = await env.factories.newDepartment();
      const operator = await env.factories.newOperator({ departmentIds: [department.id] });
      const task = await env.factories.newTask({ departmentId: department.id, status: 'in_progress', workContent: 'Weld the frame' });
      return { token: operator.token, taskId: task.id, body: { notes: 'bringing my own torch' }, operatorId: operator.id };
    },
    async verify(env, _claim, { operatorId, taskId, token }) {
      const task = await env.http('GET', `/api/workorder-tasks/${taskId}/`, { token });
      if (task.body.assigned_operator?.id !== operatorId) throw new Error('task is not assigned to the claimant');
      const listed = await env.http('GET', '/api/notifications/', { token });
      if (listed.body.count !== 1) throw new Error(`expected one notification, found ${listed.body.count}`);
      const [notification] = listed.body.results;
      const workOrder = task.body.work_order.order_number;
      if (notification.type !== 'task_assigned' || notification.task_id !== taskId) throw new Error('wrong notification');
      if (!notification.title.includes('Weld the frame')) throw new Error(`title: ${notification.title}`);
      if (!notification.content.includes(workOrder) || !notification.content.includes('bringing my own torch')) {
        throw new Error(`content: ${notification.content}`);
      }
    },
  },
];

/**
 * One scenario under `Prefer: wait`: the POST answers with the outcome (or, when the world changes
 * between accept and decision, the GET waits for it). Needs a worker running.
 */
export async function expectOutcomeUnderPreferWait(env: TestEnv, scenario: RuleScenario): Promise<void> {
  const { token, taskId, body, operatorId } = await scenario.arrange(env);
  let response: Awaited<ReturnType<TestEnv['http']>>;
  if (scenario.afterAccept) {
    // the world changes between accept and decision: accept while paused, then wait on the GET
    let claimId = 0;
    await whilePaused(env, async () => {
      const accepted = await env.http('POST', `/api/workorder-tasks/${taskId}/claim/`, { token, body: body ?? {} });
      claimId = accepted.body.claim_id;
      await scenario.afterAccept!(env, taskId);
    });
    response = await env.http('GET', `/api/claims/${claimId}`, { token, headers: { prefer: 'wait=20' } });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: scenario.expected.status, code: (scenario.expected as { code?: string }).code });
  } else {
    response = await env.factories.claim(token, taskId, body ?? {});
    if (scenario.expected.status === 'rejected') {
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body).toMatchObject({ status: 400, code: scenario.expected.code, claim_id: expect.any(Number) });
    } else {
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ status: 'succeeded', already_claimed: scenario.expected.alreadyClaimed, code: null });
      expect(response.body.task.id).toBe(taskId);
    }
  }
  expect(response.headers.get('preference-applied')).toBe('wait=20');
  const claim = response.body.claim ?? response.body;
  await scenario.verify?.(env, { claim_id: claim.claim_id, detail: response.body.detail }, { operatorId, taskId, token });
}
