import { RULE_SCENARIOS } from '../support/rule-scenarios';
import { makeTestEnv, type TestEnv } from '../support/test-env';

/** CLAIM_DISPATCH=inline: the same decideQueuedClaims inside the request, no queue, no worker. */
let env: TestEnv;
beforeAll(async () => {
  env = await makeTestEnv({ CLAIM_DISPATCH: 'inline' });
});
afterAll(() => env.close());

// Rule 1 needs the task to vanish between accept and decision, which inline dispatch leaves no room for.
const scenarios = RULE_SCENARIOS.filter((scenario) => !scenario.afterAccept);

test.each(scenarios)('rule $rule: the POST answers with the outcome, without Prefer', async (scenario) => {
  const { token, taskId, body, operatorId } = await scenario.arrange(env);
  const response = await env.http('POST', `/api/workorder-tasks/${taskId}/claim/`, { token, body: body ?? {} });
  const claim = scenario.expected.status === 'rejected' ? response.body.claim : response.body;
  if (scenario.expected.status === 'rejected') {
    expect(response.status).toBe(400);
    expect(response.body.code).toBe(scenario.expected.code);
  } else {
    expect(response.status).toBe(200);
    expect(claim.already_claimed).toBe(scenario.expected.alreadyClaimed);
  }
  expect(claim.status).toBe(scenario.expected.status);
  expect(response.headers.get('preference-applied')).toBeNull();
  await scenario.verify?.(env, { claim_id: claim.claim_id, detail: response.body.detail }, { operatorId, taskId, token });
});

test('40 simultaneous inline claims on one task: one winner, the first accepted', async () => {
  const department = await env.factories.newDepartment();
  const operators = await Promise.all(Array.from({ length: 40 }, () => env.factories.newOperator({ departmentIds: [department.id] })));
  const task = await env.factories.newTask({ departmentId: department.id });
  const responses = await Promise.all(operators.map((operator) => env.factories.claim(operator.token, task.id)));
  const claims = responses.map((response) => response.body.claim ?? response.body);
  const winners = claims.filter((claim) => claim.status === 'succeeded');
  expect(winners).toHaveLength(1);
  expect(claims.filter((claim) => claim.code === 'already_claimed')).toHaveLength(39);
  expect(winners[0].claim_id).toBe(Math.min(...claims.map((claim) => claim.claim_id)));
  const stored = await env.db('work_order_tasks').where({ id: task.id }).first();
  expect(stored.assigned_operator_id).toBe(winners[0].operator_id);
});
