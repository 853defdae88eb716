/**
 * The README's first session, exactly as written, against `npm start` on an empty database: the
 * banner's export lines, then the README's commands in bash, each answer as its `# →` line says.
 * A restart seeds nothing, says how to get a token, and `npm run token` makes one that works.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, until } from '../../harness/processes';
import { makeTestEnv, NPM_START_TEST_MS, PROCESS_START_MS, type TestEnv } from '../support/test-env';

const ROOT = path.resolve(__dirname, '../..');
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const firstSession = readme.slice(readme.indexOf('## A first session\n'), readme.indexOf('\n## ', readme.indexOf('## A first session\n') + 1));
/** the session's commands: the sh blocks that use the banner's exports (the claims, then dispatch), in order */
const commands = [...firstSession.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]).filter((block) => block.includes('$TASKCLAIM_URL')).join('\n');
/** what the README says to run after a restart: its block of `npm run token` lines */
const tokenCommands = [...firstSession.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]).find((block) => block.startsWith('npm run token'));

let env: TestEnv;
let variables: NodeJS.ProcessEnv;
beforeAll(async () => {
  env = await makeTestEnv();
  const [port, metricsPort] = [await freePort(), await freePort()];
  // no ADMIN_TOKEN: the demo makes one, as on a fresh clone
  variables = { ...env.childEnv, ADMIN_TOKEN: '', PORT: String(port), WORKER_METRICS_PORT: String(metricsPort) };
});
afterAll(() => env.close());

/** `npm start` as a reader types it, in a process group of its own, until its banner is printed. */
async function npmStart(banner: string): Promise<{ output: () => string; stop: () => Promise<number | null> }> {
  const child = spawn('npm', ['start'], { cwd: ROOT, env: variables, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null) process.kill(-(child.pid as number), 'SIGTERM');
    return exited;
  };
  try {
    await until(() => {
      if (child.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
      return output.includes(banner);
    }, 'the banner', PROCESS_START_MS);
  } catch (error) {
    await stop();
    throw error;
  }
  return { output: () => output, stop };
}

/** curl -s prints each JSON answer with no newline after it: the stream split into its values. */
function jsonValues(stream: string): string[] {
  const values: string[] = [];
  let depth = 0;
  let start = 0;
  let inString = false;
  for (let i = 0; i < stream.length; i++) {
    const char = stream[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') {
      if (depth++ === 0) start = i;
    } else if ((char === '}' || char === ']') && --depth === 0) values.push(stream.slice(start, i + 1));
  }
  return values;
}

/** The `"key":value` pairs a `# →` line shows: each must stand in the answer. */
const shownPairs = (line: string) => [...line.matchAll(/"\w+":("[^"]*"|-?\d+|true|false|null)/g)].map((match) => match[0]);

test('the banner prints export lines, and the README commands run as written with the answers it shows', async () => {
  expect(commands).toContain('/release-mine/');
  const started = await npmStart('export OTHER_TOKEN=');
  try {
    const exports = started.output().split('\n').filter((line) => line.startsWith('export '));
    expect(exports.map((line) => line.split('=')[0])).toEqual(['export TASKCLAIM_URL', 'export OPERATOR_TOKEN', 'export OTHER_TOKEN', 'export ADMIN_TOKEN']);
    for (const place of ['/console/', '/docs', '/admin/queues']) expect(started.output()).toContain(`http://localhost:${variables.PORT}${place}`);

    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', `${exports.join('\n')}\n${commands}`], { cwd: ROOT, env: { PATH: process.env.PATH } });
    // each printed answer is followed by its `# →` line, in order; the pairs that line shows stand in that answer
    const expected = commands.split('\n').filter((line) => line.startsWith('# →'));
    const answers = jsonValues(stdout);
    expect(answers.length).toBe(expected.length);
    expected.forEach((line, index) => {
      for (const pair of shownPairs(line)) expect({ line, pair, inAnswer: answers[index].includes(pair) }).toEqual({ line, pair, inAnswer: true });
    });
  } finally {
    expect(await started.stop()).toBe(0);
  }
}, NPM_START_TEST_MS);

test('a restart seeds nothing and says how to get a token; the README’s npm run token lines, as written, make tokens that work', async () => {
  const restarted = await npmStart('npm run token -- --operator 9001');
  try {
    expect(restarted.output()).not.toContain('export OPERATOR_TOKEN=');
    // the README's token lines, as written: each prints the export line it shows, with a token that works
    expect(tokenCommands).toBeDefined();
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', tokenCommands as string], { cwd: ROOT, env: variables });
    const tokens = [
      stdout.match(/^export OPERATOR_TOKEN=(tc_\S+) +# demo-li\.wei \(operator 9001\)$/m)?.[1],
      stdout.match(/^export OTHER_TOKEN=(tc_\S+) +# demo-ana\.garcia \(operator 9002\)$/m)?.[1],
    ];
    for (const token of tokens) {
      expect(token).toBeDefined();
      const mine = await fetch(`http://127.0.0.1:${variables.PORT}/api/workorder-tasks/mine/`, { headers: { authorization: `Bearer ${token}` } });
      expect(mine.status).toBe(200);
    }
    const refused = promisify(execFile)('npm', ['run', '--silent', 'token', '--', '--operator', '123456'], { cwd: ROOT, env: variables });
    await expect(refused).rejects.toMatchObject({ stderr: expect.stringContaining('There is no operator 123456 in this database.') });
  } finally {
    expect(await restarted.stop()).toBe(0);
  }
}, NPM_START_TEST_MS);
