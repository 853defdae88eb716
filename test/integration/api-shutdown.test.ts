/**
 * SPEC.md §4: "SIGTERM: stop accepting, finish in-flight work, close queues and pools, exit 0" — also while
 * clients keep their connections alive and busy, as a load balancer or a polling console does.
 */
import http from 'node:http';
import { ADMIN_TOKEN, makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
beforeAll(async () => {
  env = await makeTestEnv();
});
afterAll(() => env.close());

interface Answer {
  at: number;
  status?: number;
  error?: string;
  body: string;
}

function request(agent: http.Agent, url: URL, path: string, options: { method?: string; token?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Answer> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const req = http.request({ host: url.hostname, port: url.port, path, method: options.method ?? 'GET', agent, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ at: performance.now(), status: res.statusCode, body }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ at: performance.now(), error: error.code ?? error.message, body: '' }));
    req.end(options.body === undefined ? undefined : JSON.stringify(options.body));
  });
}

test('SIGTERM while kept-alive connections are busy: the waits in flight are answered, nothing is served after, and the API exits 0 at once', async () => {
  const api = await env.spawnApi();
  const url = new URL(api.baseUrl);
  const department = await env.factories.newDepartment();
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const task = await env.factories.newTask({ departmentId: department.id });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

  // No worker runs in this file: a claim waits its full 30 s unless the stopping API answers it.
  const waits = [1, 2, 3].map(() =>
    request(agent, url, `/api/workorder-tasks/${task.id}/claim/`, { method: 'POST', token: operator.token, body: {}, headers: { prefer: 'wait=30' } }),
  );
  // Four clients that keep their connections busy until they can no longer get an answer.
  let stopped = false;
  const pollers = [1, 2, 3, 4].map(async () => {
    const answers: Answer[] = [];
    while (!stopped) {
      const answer = await request(agent, url, '/api/workorder-tasks/claimable/?operator_id=' + operator.id, { token: ADMIN_TOKEN });
      answers.push(answer);
      if (answer.error === 'ECONNREFUSED') break;
    }
    return answers;
  });
  await new Promise((resolve) => setTimeout(resolve, 500));

  const signalled = performance.now();
  api.child.kill('SIGTERM');
  const exitCode = await Promise.race([api.exited, new Promise((resolve) => setTimeout(() => resolve('still running after 10 s'), 10_000))]);
  const exitedMs = performance.now() - signalled;
  stopped = true;
  if (exitCode !== 0) api.child.kill('SIGKILL');
  const answers = (await Promise.all(pollers)).flat();
  agent.destroy();

  expect(exitCode).toBe(0);
  expect(exitedMs).toBeLessThan(5_000);
  // the held waits were in-flight work: each answered with the claim as it stands
  for (const wait of await Promise.all(waits)) {
    expect(wait.status).toBe(202);
    expect(JSON.parse(wait.body)).toMatchObject({ task_id: task.id, status: 'queued' });
  }
  expect(answers.filter((answer) => answer.status === 200 && answer.at < signalled).length).toBeGreaterThan(0);
  // the kept-alive connections stopped being served once the process handled the signal, not when they went quiet
  const lastAnsweredMs = Math.max(...answers.filter((answer) => answer.status !== undefined).map((answer) => answer.at)) - signalled;
  expect(lastAnsweredMs).toBeLessThan(1_000);
  expect(answers.filter((answer) => answer.status !== undefined && answer.status >= 500)).toEqual([]);
  expect(api.output()).toContain('api stopped');
}, 60_000);
