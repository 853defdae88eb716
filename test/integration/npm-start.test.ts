import path from 'node:path';
import { makeHttp, type Http } from '../support/http';
import { freePort, spawnTs, until } from '../../harness/processes';
import { ADMIN_TOKEN, makeTestEnv, NPM_START_TEST_MS, PROCESS_START_MS, type TestEnv } from '../support/test-env';

/** `npm start` (scripts/start.ts) on an empty database: it seeds the demo and prints what to try it with. */
const START = path.resolve(__dirname, '../../scripts/start.ts');

/** Runs `npm start`'s entry point until the demo is printed, hands its output and API to `use`, then stops it. */
async function withDemo(env: TestEnv, adminToken: string, use: (output: string, http: Http) => Promise<void>): Promise<void> {
  const port = await freePort();
  const started = spawnTs(START, { ...env.childEnv, ADMIN_TOKEN: adminToken, PORT: String(port) });
  try {
    await until(() => {
      if (started.child.exitCode !== null) throw new Error(`npm start exited:\n${started.output()}`);
      return started.output().includes('export OTHER_TOKEN=');
    }, 'the demo to be printed', PROCESS_START_MS);
    await use(started.output(), makeHttp(`http://127.0.0.1:${port}`));
  } finally {
    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
  }
}

let env: TestEnv;
beforeEach(async () => {
  env = await makeTestEnv();
});
afterEach(() => env.close());

test('npm start with no ADMIN_TOKEN seeds the demo and prints a random admin token that works, and operator tokens', async () => {
  await withDemo(env, '', async (output, http) => {
    const adminToken = output.match(/^export ADMIN_TOKEN=(tc_\S+)/m)?.[1];
    const operatorToken = output.match(/^export OPERATOR_TOKEN=(tc_\S+) +# demo-li\.wei/m)?.[1];
    expect((await http('PUT', '/api/admin/departments/9100', { token: adminToken, body: { name: 'Try' } })).status).toBe(201);
    expect((await http('GET', '/api/workorder-tasks/mine/', { token: operatorToken })).status).toBe(200);
  });
}, NPM_START_TEST_MS);

test('npm start with ADMIN_TOKEN set does not echo that secret in the demo', async () => {
  await withDemo(env, ADMIN_TOKEN, async (output, http) => {
    expect(output).not.toContain(ADMIN_TOKEN);
    expect(output).toContain('# admin token: the value of ADMIN_TOKEN');
    expect((await http('GET', '/api/workorder-tasks/9001/', { token: ADMIN_TOKEN })).status).toBe(200);
  });
}, NPM_START_TEST_MS);
