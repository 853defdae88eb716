/**
 * SPEC.md §4: "SIGTERM: stop accepting, finish in-flight work, close queues and pools, exit 0" — also while
 * clients keep their connections alive and busy, as a load balancer, a polling console or a Prometheus
 * scraper does.
 */
import http from 'node:http';
import { freePort } from '../../harness/processes';
import { ADMIN_TOKEN, eventually, makeTestEnv, type SpawnedWorker, type TestEnv } from '../support/test-env';

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

/** Four clients that keep their kept-alive connections busy with `path` until the server refuses them. */
function busyClients(agent: http.Agent, url: URL, path: string, token?: string) {
  let stopped = false;
  const answers: Answer[] = [];
  const clients = [1, 2, 3, 4].map(async () => {
    while (!stopped) {
      const answer = await request(agent, url, path, { token });
      answers.push(answer);
      if (answer.error === 'ECONNREFUSED') break;
    }
  });
  return {
    /** resolves once the clients have had a few answers */
    serving: () => eventually(async () => (answers.filter((answer) => answer.status === 200).length >= 8 ? true : undefined), 20_000, 'the clients to be served'),
    stop: async () => {
      stopped = true;
      await Promise.all(clients);
      return answers;
    },
  };
}

/** SIGTERM: the process exits 0 within 5 s (else it is killed); resolves with when the signal was sent. */
async function terminate(child: SpawnedWorker): Promise<number> {
  const signalled = performance.now();
  child.child.kill('SIGTERM');
  let giveUp: NodeJS.Timeout | undefined;
  const exitCode = await Promise.race([child.exited, new Promise((resolve) => (giveUp = setTimeout(() => resolve('still running after 10 s'), 10_000)))]);
  clearTimeout(giveUp);
  if (exitCode !== 0) child.child.kill('SIGKILL');
  expect(exitCode).toBe(0);
  expect(performance.now() - signalled).toBeLessThan(5_000);
  return signalled;
}

/** Answered before the signal, none answered later than 3 s after it (the old code served until the clients left), and no 5xx. */
function expectServedUntilTheSignal(answers: Answer[], signalled: number): void {
  const answered = answers.filter((answer) => answer.status !== undefined);
  expect(answered.filter((answer) => answer.status === 200 && answer.at < signalled).length).toBeGreaterThan(0);
  expect(Math.max(...answered.map((answer) => answer.at)) - signalled).toBeLessThan(3_000);
  expect(answered.filter((answer) => answer.status! >= 500)).toEqual([]);
}

test('SIGTERM while kept-alive connections are busy: the waits in flight are answered, nothing is served after, and the API exits 0 at once', async () => {
  const api = await env.spawnApi();
  const url = new URL(api.baseUrl);
  const department = await env.factories.newDepartment();
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const task = await env.factories.newTask({ departmentId: department.id });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

  // No worker runs during this test: a claim waits its full 30 s unless the stopping API answers it.
  const waits = [1, 2, 3].map(() =>
    request(agent, url, `/api/workorder-tasks/${task.id}/claim/`, { method: 'POST', token: operator.token, body: {}, headers: { prefer: 'wait=30' } }),
  );
  const clients = busyClients(agent, url, `/api/workorder-tasks/claimable/?operator_id=${operator.id}`, ADMIN_TOKEN);
  await clients.serving();
  await eventually(async () => (/^taskclaim_claim_waiters\S* 3$/m.test((await request(agent, url, '/metrics')).body) ? true : undefined), 20_000, 'the three waits to be held');

  const signalled = await terminate(api);
  expectServedUntilTheSignal(await clients.stop(), signalled);
  agent.destroy();
  // the held waits were in-flight work: each answered with the claim as it stands
  for (const wait of await Promise.all(waits)) {
    expect(wait.status).toBe(202);
    expect(JSON.parse(wait.body)).toMatchObject({ task_id: task.id, status: 'queued' });
  }
  expect(api.output()).toContain('api stopped');
}, 60_000);

test('SIGTERM while a scraper keeps the worker\'s metrics connections busy: the worker exits 0 at once', async () => {
  const metricsPort = await freePort();
  const worker = await env.spawnWorker({ WORKER_METRICS_PORT: String(metricsPort) });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const clients = busyClients(agent, new URL(`http://127.0.0.1:${metricsPort}`), '/metrics');
  await clients.serving();

  const signalled = await terminate(worker);
  expectServedUntilTheSignal(await clients.stop(), signalled);
  agent.destroy();
}, 60_000);
