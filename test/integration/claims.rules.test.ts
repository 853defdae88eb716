import { whilePaused } from '../support/paused-queues';
import { RULE_SCENARIOS, expectOutcomeUnderPreferWait } from '../support/rule-scenarios';
import { eventually, makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
beforeAll(async () => {
  env = await makeTestEnv();
  await env.startWorker();
});
afterAll(() => env.close());

describe.each(RULE_SCENARIOS)('SPEC §3 rule $rule', (scenario) => {
  test('async: 202 with Location, then polling GET reaches the outcome', async () => {
    const { token, taskId, body, operatorId } = await scenario.arrange(env);
    let accepted!: Awaited<ReturnType<TestEnv['http']>>;
    await whilePaused(env, async () => {
      accepted = await env.http('POST', `/api/workorder-tasks/${taskId}/claim/`, { token, body: body ?? {}, headers: { prefer: 'respond-async' } });
      expect(accepted.status).toBe(202);
      await scenario.afterAccept?.(env, taskId);
    });
    expect(accepted.body).toMatchObject({ status: 'queued', task_id: taskId, operator_id: operatorId, code: null, completed_at: null });
    expect(accepted.headers.get('location')).toBe(`/api/claims/${accepted.body.claim_id}`);
    expect(accepted.headers.get('retry-after')).toBeTruthy();

    const decided = await eventually(async () => {
      const polled = await env.http('GET', accepted.headers.get('location')!, { token });
      expect(polled.status).toBe(200);
      return polled.body.status === 'queued' ? undefined : polled.body;
    });
    expect(decided.status).toBe(scenario.expected.status);
    if (scenario.expected.status === 'rejected') {
      expect(decided.code).toBe(scenario.expected.code);
    } else {
      expect(decided.code).toBeNull();
      expect(decided.already_claimed).toBe(scenario.expected.alreadyClaimed);
      expect(decided.assigned_operator.id).toBe(operatorId);
    }
    expect(decided.detail).toMatch(/\w+/);
    expect(decided.completed_at).toEqual(expect.any(String));
    await scenario.verify?.(env, decided, { operatorId, taskId, token });
  });

  test('Prefer: wait answers with the outcome', () => expectOutcomeUnderPreferWait(env, scenario));
});

test('a rejection (its title and detail) reads in the language of each request, whatever language it was submitted in; type and code never change', async () => {
  const department = await env.factories.newDepartment();
  const winner = await env.factories.newOperator({ departmentIds: [department.id], username: 'zhang.wei' });
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const task = await env.factories.newTask({ departmentId: department.id, assignedOperatorId: winner.id });
  const rejected = await env.factories.claim(operator.token, task.id, {}, { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.5' });
  expect(rejected.body.code).toBe('already_claimed');
  expect(rejected.body.title).toBe('认领被拒绝');
  expect(rejected.body.type).toBe('https://taskclaim.dev/problems/already_claimed');
  expect(rejected.body.detail).toBe('该任务已被 zhang.wei 认领，无法重复认领');
  const again = await env.factories.claim(operator.token, task.id, {}, { 'accept-language': 'en' });
  expect(again.body).toMatchObject({ code: 'already_claimed', title: 'Claim rejected', type: rejected.body.type });
  const inEnglish = await env.http('GET', `/api/claims/${rejected.body.claim_id}`, { token: operator.token, headers: { 'accept-language': 'en-US' } });
  expect(inEnglish.body.detail).toBe('This task has already been claimed by zhang.wei.');
  expect(inEnglish.body.code).toBe('already_claimed');
});
