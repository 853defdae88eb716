import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { reportFigures } from './support/report';
import { until } from '../../harness/processes';
import { expectInvariants, faultEnv, startWorld, type World } from './support/world';

/**
 * `docker stop`, like any process manager, sends SIGTERM to the command it started, and only to it:
 * here `npm run start:worker`, as the README starts a worker. That signal has to reach the worker, which
 * finishes the claim transaction it holds and exits 0; a shell between npm and node that does not pass
 * it on leaves the worker running.
 */
const ROOT = path.resolve(__dirname, '../..');
const TX_DELAY_MS = 3_000;

let world: World;
/** every process npm started, so none outlives the test whatever happens to the signal */
let started: number[] = [];
afterAll(async () => {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await world?.close();
});

const descendants = (pid: number): number[] => {
  const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number));
  const below = (parent: number): number[] => table.filter(([, ppid]) => ppid === parent).flatMap(([child]) => [child, ...below(child)]);
  return below(pid);
};
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('SIGTERM to the `npm run start:worker` process: the worker finishes the claim transaction it holds and exits 0', async () => {
  world = await startWorld();
  await world.startApi();
  const plan = { claims: 40, operators: 8, departments: 2, tasks: 8, hotTasks: 2, concurrency: 4 };
  await world.seed(plan);

  // Every claim transaction is held TX_DELAY_MS after its locks are taken, so SIGTERM lands inside one.
  const npm = spawn('npm', ['run', 'start:worker'], { cwd: ROOT, env: { ...world.env, ...faultEnv({ claimTxDelayMs: TX_DELAY_MS }) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
  started = [npm.pid!];
  await until(() => output.includes('claim workers started'), 'npm run start:worker to start');
  started.push(...descendants(npm.pid!));

  const burst = world.burst(plan);
  const decided = async () => Number((await world.db()('claim_requests').whereIn('status', ['succeeded', 'rejected']).count({ n: '*' }))[0].n);
  await burst.reached(1);
  await new Promise((resolve) => setTimeout(resolve, TX_DELAY_MS / 3));
  const decidedAtSignal = await decided();
  const signalledAt = Date.now();
  npm.kill('SIGTERM');
  const code = await Promise.race([exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 20_000))]);
  const stopSeconds = (Date.now() - signalledAt) / 1000;

  expect({ code, stopped: output.includes('claim-worker stopped') }).toEqual({ code: 0, stopped: true });
  // The transaction it held at the signal was committed, not cut off.
  expect(await decided()).toBeGreaterThan(decidedAtSignal);
  expect(started.filter(alive)).toEqual([]);

  // Another worker decides the rest: nothing accepted is lost.
  await world.startWorker();
  await burst.done;
  await world.allTerminal();
  expectInvariants(await world.invariants());
  reportFigures('worker-sigterm', { accepted: burst.accepted.length, decidedAtSignal, stopSeconds });
});
