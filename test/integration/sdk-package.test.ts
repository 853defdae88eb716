/**
 * The SDK as another project gets it: `npm pack` of packages/client, installed from the tarball into a
 * fresh folder outside the repository (offline: it has no runtime dependency), then used from a plain
 * `.mjs`, from a type-checked `.ts` run with tsx, and by the docs/api.md snippet as written.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ADMIN_TOKEN, makeTestEnv, type TestEnv } from '../support/test-env';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const TSC = path.join(ROOT, 'node_modules/.bin/tsc');

let env: TestEnv;
let dir: string;
let app: string;
beforeAll(async () => {
  env = await makeTestEnv();
  await env.startWorker();
  dir = await mkdtemp(path.join(tmpdir(), 'taskclaim-sdk-'));
  await run('npm', ['pack', '--pack-destination', dir, '--silent'], { cwd: path.join(ROOT, 'packages/client') });
  const [tarball] = (await readdir(dir)).filter((name) => name.endsWith('.tgz'));
  app = path.join(dir, 'app');
  await run('mkdir', [app]);
  await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'sdk-consumer', private: true }));
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', path.join(dir, tarball)], { cwd: app });
}, 240_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await env.close();
});

/** runs a file of the consumer folder with the API's address and a token in its environment */
const runInApp = (command: string, args: string[], token: string) =>
  run(command, args, { cwd: app, env: { ...process.env, TASKCLAIM_URL: env.baseUrl, OPERATOR_TOKEN: token, NODE_OPTIONS: '' } });

test('the tarball holds the built code and its declarations, not the sources', async () => {
  const installed = path.join(app, 'node_modules/@taskclaim/client');
  const manifest = JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8'));
  expect(manifest.private).toBeUndefined();
  expect(await readdir(installed)).not.toContain('src');
  expect(await readdir(path.join(installed, 'dist'))).toEqual(expect.arrayContaining(['index.js', 'index.d.ts', 'schema.d.ts']));
});

test('a plain .mjs imports the installed SDK and asks the API who its token is', async () => {
  await writeFile(
    path.join(app, 'who.mjs'),
    `import { ClaimRejectedError, TaskclaimApiError, createTaskclaimClient } from '@taskclaim/client';
const taskclaim = createTaskclaimClient({ baseUrl: process.env.TASKCLAIM_URL, token: process.env.OPERATOR_TOKEN });
const me = await taskclaim.getMe();
const denied = await createTaskclaimClient({ baseUrl: process.env.TASKCLAIM_URL, token: 'not-a-token' }).getMe().catch((error) => error);
console.log(JSON.stringify({ kind: me.kind, deniedStatus: denied instanceof TaskclaimApiError ? denied.status : String(denied), rejection: typeof ClaimRejectedError }));
`,
  );
  const { stdout } = await runInApp(process.execPath, ['who.mjs'], ADMIN_TOKEN);
  expect(JSON.parse(stdout)).toEqual({ kind: 'admin', deniedStatus: 401, rejection: 'function' });
});

test('a .ts type-checks against the shipped declarations and runs with tsx', async () => {
  const operator = await env.factories.newOperator();
  await writeFile(
    path.join(app, 'who.ts'),
    `import { createTaskclaimClient, type Me } from '@taskclaim/client';

async function main(): Promise<void> {
  const taskclaim = createTaskclaimClient({ baseUrl: process.env.TASKCLAIM_URL!, token: process.env.OPERATOR_TOKEN! });
  const me: Me = await taskclaim.getMe();
  console.log(JSON.stringify({ kind: me.kind, username: me.operator?.username }));
}
/** never called: only type-checked */
export function misuse(): void {
  // @ts-expect-error a task id is a number: the declarations are typed, not any
  void createTaskclaimClient({ baseUrl: '', token: '' }).getTask('one');
}
void main();
`,
  );
  const typesOfNode = ['--typeRoots', path.join(ROOT, 'node_modules/@types'), '--types', 'node'];
  await runInApp(TSC, ['--noEmit', '--strict', '--module', 'nodenext', '--skipLibCheck', ...typesOfNode, 'who.ts'], operator.token);
  const { stdout } = await runInApp(TSX, ['who.ts'], operator.token);
  expect(JSON.parse(stdout)).toEqual({ kind: 'operator', username: operator.username });
});

test("docs/api.md's SDK snippet, saved as try-sdk.mts, claims a task as shown", async () => {
  const department = await env.factories.newDepartment();
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const task = await env.factories.newTask({ departmentId: department.id });
  const docs = await readFile(path.join(ROOT, 'docs/api.md'), 'utf8');
  const snippet = /## Client SDK[\s\S]*?```ts\n([\s\S]*?)```/.exec(docs)![1];
  await writeFile(path.join(app, 'try-sdk.mts'), snippet);

  const { stdout } = await runInApp(TSX, ['try-sdk.mts'], operator.token);
  expect(stdout.trim().split(' ').at(-1)).toBe('1');
  expect((await env.http('GET', `/api/workorder-tasks/${task.id}/`, { token: operator.token })).body).toMatchObject({ assigned_operator: { id: operator.id } });
});
