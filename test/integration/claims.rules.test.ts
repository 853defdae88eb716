import { RULE_SCENARIOS } from '../support/rule-scenarios';
import { eventually, makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
beforeAll(async () => {
  env = await makeTestEnv();
  await env.startWorker();
});
afterAll(() => env.close());

/** Holds every partition so a claim stays queued while a test changes the world under it. */
async function whilePaused(action: () => Promise<void>): Promise<void> {
  await Promise.all(env.api.queues.queues.map((queue) => queue.pause()));
  try {
    await action();
  } finally {
    await Promise.all(env.api.queues.queues.map((queue) => queue.resume()));
  }
}

describe.each(RULE_SCENARIOS)('SPEC §3 rule $rule', (scenario) => {
  test('async: 202 with Location, then polling GET reaches the outcome', async () => {
    const { token, taskId, body, operatorId } = await scenario.arrange(env);
    let accepted!: Awaited<ReturnType<TestEnv['http']>>;
    await whilePaused(async () => {
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

  test('Prefer: wait answers with the outcome', async () => {
    const { token, taskId, body, operatorId } = await scenario.arrange(env);
    let response: Awaited<ReturnType<TestEnv['http']>>;
    if (scenario.afterAccept) {
      // the world changes between accept and decision: accept while paused, then wait on the GET
      let claimId = 0;
      await whilePaused(async () => {
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
  });
});

test('a rejection reads in the language of each request, whatever language it was submitted in', async () => {
  const department = await env.factories.newDepartment();
  const winner = await env.factories.newOperator({ departmentIds: [department.id], username: 'zhang.wei' });
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const task = await env.factories.newTask({ departmentId: department.id, assignedOperatorId: winner.id });
  const rejected = await env.factories.claim(operator.token, task.id, {}, { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.5' });
  expect(rejected.body.code).toBe('already_claimed');
  expect(rejected.body.detail).toBe('该任务已被 zhang.wei 认领，无法重复认领');
  const inEnglish = await env.http('GET', `/api/claims/${rejected.body.claim_id}`, { token: operator.token, headers: { 'accept-language': 'en-US' } });
  expect(inEnglish.body.detail).toBe('This task has already been claimed by zhang.wei.');
  expect(inEnglish.body.code).toBe('already_claimed');
});
