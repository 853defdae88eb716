/**
 * Two API processes and three worker processes (`npm run start:api` ×2, `npm run start:worker` ×3) on one
 * PostgreSQL and one plain Redis: the races, fired at both APIs, keep their outcomes and every SPEC §6
 * invariant, because per-task serialization comes from BullMQ's global concurrency, which spans processes.
 */
import { checkInvariants } from '../../harness/invariants';
import { expectInvariants } from '../support/invariants';
import { expectClaimAnsweredByWorker, raceCapacity, raceFortyOperators } from '../support/races';
import { makeTestEnv, PROCESS_START_MS, type SpawnedApi, type SpawnedWorker, type TestEnv } from '../support/test-env';

let env: TestEnv;
let apis: SpawnedApi[];
let workers: SpawnedWorker[];

beforeAll(async () => {
  env = await makeTestEnv({ CLAIM_PARTITIONS: '16' });
  // The five processes start together: one start-up wait, however long the loaded machine makes it.
  [apis, workers] = await Promise.all([Promise.all([env.spawnApi(), env.spawnApi()]), Promise.all([env.spawnWorker(), env.spawnWorker(), env.spawnWorker()])]);
}, PROCESS_START_MS + 30_000);
afterAll(() => env?.close());

const claimsAcceptedBy = (api: SpawnedApi) => api.output().match(/"message":"claim accepted"/g)?.length ?? 0;

/** A failure carries the processes' warnings and errors: they say what went wrong on their side. */
async function withProcessLogs<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    const lines = [...apis, ...workers].flatMap((child, index) =>
      child
        .output()
        .split('\n')
        .filter((line) => /"level":"(warn|error)"/.test(line))
        .slice(-10)
        .map((line) => `${index < apis.length ? `api ${index}` : `worker ${index - apis.length}`}: ${line}`),
    );
    (error as Error).message += `\n\nprocess warnings and errors:\n${lines.join('\n') || '(none)'}`;
    throw error;
  }
}

test('40 operators claim one task through two API processes: one winner, 39 already_claimed, first come first served', async () => {
  const before = apis.map(claimsAcceptedBy);
  await withProcessLogs(() => raceFortyOperators(env, apis.map((api) => api.http)));
  // half of the claims went through each API process
  expect(apis.map((api, index) => claimsAcceptedBy(api) - before[index])).toEqual([20, 20]);
});

test('an operator with a limit of 3 claims 12 tasks in 12 partitions through two API processes: exactly 3 succeed', async () => {
  await withProcessLogs(() => raceCapacity(env, apis.map((api) => api.http)));
});

test('Prefer: wait on either API process is answered by a decision of a worker process', async () => {
  for (const api of apis) await expectClaimAnsweredByWorker(env, api.http);
});

test('every SPEC §6 invariant holds, first come first served included, and only the worker processes decided', async () => {
  expectInvariants(await checkInvariants(env.db, { defaultLimit: env.config.MAX_ACTIVE_TASKS, firstComeFirstServed: true }));
  const decidedByWorkers = workers.map((worker) => worker.output().match(/"message":"claim decided"/g)?.length ?? 0);
  const decided = Number((await env.db('claim_requests').whereNot('status', 'queued').count({ n: '*' }))[0].n);
  expect(decidedByWorkers.reduce((sum, count) => sum + count, 0)).toBe(decided);
});
