/**
 * A process started while PostgreSQL or Redis is unreachable (SPEC §1, §4 /readyz): every line it
 * writes is winston JSON, the first says which store, at which address, and what to do; the API and
 * the worker wait for the store (the API answering /readyz and every request 503 + Retry-After
 * meanwhile) and carry on once it answers. `npm start`, which has to migrate before anything else,
 * exits 1 with that one line instead. With both stores up, the port opens with the API ready.
 */
import path from 'node:path';
import { freePort, spawnTs, until, type Process } from '../../harness/processes';
import { listenTcp, type TcpListener } from '../support/tcp-listener';
import { ADMIN_TOKEN, makeTestEnv, PROCESS_START_MS, type TestEnv } from '../support/test-env';

const ROOT = path.resolve(__dirname, '../..');
const API = path.join(ROOT, 'services/api/src/main.ts');
const WORKER = path.join(ROOT, 'services/claim-worker/src/main.ts');
const START = path.join(ROOT, 'scripts/start.ts');
/** the API and the worker try again every 2 s; a loaded machine gets some slack */
const RECOVERY_MS = 30_000;
const TEST_MS = PROCESS_START_MS + 2 * RECOVERY_MS;

type Store = 'postgres' | 'redis';
type LogLine = Record<string, unknown> & { level: string; message: string };

let env: TestEnv;
const processes: Process[] = [];
const listeners: TcpListener[] = [];
beforeEach(async () => {
  env = await makeTestEnv();
});
afterEach(async () => {
  for (const started of processes.splice(0)) {
    if (started.child.exitCode === null) started.child.kill('SIGKILL');
    await started.exited;
  }
  await Promise.all(listeners.splice(0).map((listener) => listener.close()));
  await env.close();
});

/** Where `store` really is, and the environment that points a process at `port` instead, where nothing listens yet. */
function storeAt(store: Store, port: number): { upstream: { host: string; port: number }; env: NodeJS.ProcessEnv } {
  const url = new URL(store === 'postgres' ? env.config.DATABASE_URL : env.config.REDIS_URL);
  const upstream = { host: url.hostname, port: Number(url.port || (store === 'postgres' ? 5432 : 6379)) };
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return { upstream, env: { [store === 'postgres' ? 'DATABASE_URL' : 'REDIS_URL']: url.toString() } };
}

function spawn(script: string, extraEnv: NodeJS.ProcessEnv): Process {
  const started = spawnTs(script, { ...env.childEnv, LOG_LEVEL: 'info', ...extraEnv });
  processes.push(started);
  return started;
}

/** Every line the process wrote, parsed: a line that is not a JSON object (a bare stack, a console.error) fails the test, shown. */
function jsonLines(started: Process): LogLine[] {
  return started
    .output()
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const parsed: unknown = (() => {
        try {
          return JSON.parse(line);
        } catch {
          return undefined;
        }
      })();
      if (typeof parsed !== 'object' || parsed === null) throw new Error(`not a JSON log line: ${line}\n--- whole output:\n${started.output()}`);
      return parsed as LogLine;
    });
}

async function waitForLine(started: Process, what: string, matches: (line: LogLine) => boolean, timeoutMs = PROCESS_START_MS): Promise<LogLine> {
  await until(() => {
    if (started.child.exitCode !== null) throw new Error(`the process exited (${started.child.exitCode}):\n${started.output()}`);
    return jsonLines(started).some(matches);
  }, what, timeoutMs).catch((error: Error) => {
    throw new Error(`${error.message}:\n${started.output()}`);
  });
  return jsonLines(started).find(matches) as LogLine;
}

const unreachable = (store: Store) => (line: LogLine) => line.level === 'warn' && line.store === store;

function expectNamesTheStore(line: LogLine, store: Store, port: number): void {
  const name = store === 'postgres' ? 'PostgreSQL' : 'Redis';
  const variable = store === 'postgres' ? 'DATABASE_URL' : 'REDIS_URL';
  expect(line).toMatchObject({ store, address: `127.0.0.1:${port}`, error: `connect ECONNREFUSED 127.0.0.1:${port}` });
  expect(line.message).toBe(`${name} is unreachable at 127.0.0.1:${port}; waiting for it and retrying. Start ${store === 'postgres' ? 'PostgreSQL there' : 'Redis there (redis-server)'}, or set ${variable} to one that runs.`);
}

const isReady = (baseUrl: string) => () => fetch(`${baseUrl}/readyz`).then((r) => r.ok, () => false);

/** SIGTERM: the process stops with 0, and its messages are returned; jsonLines fails on any line that is not JSON (a library's bare stack). */
async function stopCleanly(started: Process): Promise<string[]> {
  started.child.kill('SIGTERM');
  expect(await started.exited).toBe(0);
  return jsonLines(started).map((line) => line.message);
}

async function answer(baseUrl: string, path: string, token?: string) {
  const response = await fetch(`${baseUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as Record<string, unknown> & { checks?: Record<string, string> } };
}

test.each(['postgres', 'redis'] as const)(
  'the API started while %s is unreachable says so in JSON, answers 503 meanwhile, and is ready once it answers',
  async (store) => {
    const storePort = await freePort();
    const target = storeAt(store, storePort);
    const apiPort = await freePort();
    const baseUrl = `http://127.0.0.1:${apiPort}`;
    const api = spawn(API, { ...target.env, PORT: String(apiPort) });

    expectNamesTheStore(await waitForLine(api, `the API to say ${store} is unreachable`, unreachable(store)), store, storePort);
    // the other store answers: the API has prepared it (migrations) once /readyz says so
    const other = store === 'postgres' ? 'redis' : 'postgres';
    await until(() => answer(baseUrl, '/readyz').then((ready) => ready.body.checks?.[other] === 'ok', () => false), `the API to listen and have reached ${other}`);
    expect(await answer(baseUrl, '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await answer(baseUrl, '/readyz')).toMatchObject({ status: 503, retryAfter: '5', body: { code: 'service_unavailable', checks: { [store]: 'unavailable', [other]: 'ok' } } });
    expect(await answer(baseUrl, '/api/me', ADMIN_TOKEN)).toMatchObject({ status: 503, retryAfter: '5', body: { code: 'service_unavailable' } });

    listeners.push(await listenTcp({ port: storePort, upstream: target.upstream }));
    await until(isReady(baseUrl), `the API to be ready once ${store} answers`, RECOVERY_MS);
    expect(await answer(baseUrl, '/readyz')).toMatchObject({ status: 200, body: { checks: { postgres: 'ok', redis: 'ok' } } });
    expect((await answer(baseUrl, '/api/me', ADMIN_TOKEN)).status).toBe(200);

    expect(await stopCleanly(api)).toEqual(expect.arrayContaining([expect.stringMatching(/^(PostgreSQL|Redis) is reachable at 127\.0\.0\.1:\d+$/), 'api ready', 'api stopped']));
  },
  TEST_MS,
);

test('with both stores up, the port opens only once the API is ready: a client polling it from the start never gets a 503', async () => {
  const apiPort = await freePort();
  const baseUrl = `http://127.0.0.1:${apiPort}`;
  const api = spawn(API, { PORT: String(apiPort) });
  const statuses: number[] = [];
  await until(async () => {
    const status = await fetch(`${baseUrl}/api/me`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }).then((r) => r.status, () => undefined);
    if (status !== undefined) statuses.push(status);
    return status !== undefined;
  }, 'the API to answer', PROCESS_START_MS);
  expect(statuses).toEqual([200]);
  expect(await stopCleanly(api)).toEqual(expect.arrayContaining(['api listening', 'api ready']));
}, TEST_MS);

test("a Redis outage after start leaves only JSON lines: no BullMQ queue's bare stack", async () => {
  const storePort = await freePort();
  const target = storeAt('redis', storePort);
  let redis = await listenTcp({ port: storePort, upstream: target.upstream });
  listeners.push(redis);
  const apiPort = await freePort();
  const baseUrl = `http://127.0.0.1:${apiPort}`;
  const api = spawn(API, { ...target.env, PORT: String(apiPort) });
  await until(isReady(baseUrl), 'the API to be ready', PROCESS_START_MS);

  await redis.close();
  await waitForLine(api, 'the API to notice Redis is gone', (line) => line.message === 'redis connection error', RECOVERY_MS);
  expect((await answer(baseUrl, '/readyz')).status).toBe(503);
  // a few of ioredis' reconnect attempts, each an error every connection and every queue on it hears
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  redis = await listenTcp({ port: storePort, upstream: target.upstream });
  listeners.push(redis);
  await until(isReady(baseUrl), 'the API to be ready again', RECOVERY_MS);

  expect(await stopCleanly(api)).toContain('api stopped');
}, TEST_MS);

test('the worker started while Redis is unreachable says so in JSON and starts once Redis answers', async () => {
  const storePort = await freePort();
  const target = storeAt('redis', storePort);
  const worker = spawn(WORKER, target.env);

  expectNamesTheStore(await waitForLine(worker, 'the worker to say Redis is unreachable', unreachable('redis')), 'redis', storePort);
  listeners.push(await listenTcp({ port: storePort, upstream: target.upstream }));
  await waitForLine(worker, 'the workers to start once Redis answers', (line) => line.message === 'claim workers started', RECOVERY_MS);

  expect(await stopCleanly(worker)).toContain('claim-worker stopped');
}, TEST_MS);

test.each([
  ['API', API],
  ['worker', WORKER],
])('the %s stopped (SIGTERM) while it waits for Redis exits 0 and says so', async (_name, script) => {
  const storePort = await freePort();
  const started = spawn(script, { ...storeAt('redis', storePort).env, PORT: String(await freePort()) });
  await waitForLine(started, 'the process to say Redis is unreachable', unreachable('redis'));
  const messages = await stopCleanly(started);
  expect(messages.slice(-2)).toEqual([expect.stringMatching(/ stopping$/), expect.stringMatching(/ stopped$/)]);
  expect(jsonLines(started).find((line) => line.message.endsWith(' stopping'))).toMatchObject({ signal: 'SIGTERM', whileStarting: true });
}, TEST_MS);

test('npm start with PostgreSQL unreachable exits 1 with one JSON line that names it and says what to do', async () => {
  const storePort = await freePort();
  const started = spawn(START, { ...storeAt('postgres', storePort).env, PORT: String(await freePort()) });

  expect(await started.exited).toBe(1);
  expect(jsonLines(started)).toEqual([
    expect.objectContaining({
      level: 'error',
      service: 'start',
      store: 'postgres',
      address: `127.0.0.1:${storePort}`,
      message: `PostgreSQL is unreachable at 127.0.0.1:${storePort}. Start PostgreSQL there, or set DATABASE_URL to one that runs.`,
    }),
  ]);
}, PROCESS_START_MS);
