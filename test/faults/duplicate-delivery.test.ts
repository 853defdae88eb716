import { reportFigures } from './support/report';
import { until } from '../../harness/processes';
import { LOCK_MS, expectInvariants, faultEnv, startWorld, type World } from './support/world';

let world: World;
afterAll(() => world?.close());

test('a job whose lock expires inside its transaction runs in a second worker at once: it takes effect once', async () => {
  world = await startWorld();
  await world.startApi();
  // This worker holds every claim transaction longer than the lock lives and never renews it in time...
  const slow = await world.startWorker(faultEnv({ claimTxDelayMs: 3 * LOCK_MS }));
  await world.seed({ claims: 200, operators: 40, departments: 4, tasks: 40, hotTasks: 4, concurrency: 16 });
  const burst = world.burst({ claims: 200, operators: 40, departments: 4, tasks: 40, hotTasks: 4, concurrency: 16 });
  await burst.reached(50);
  // ... so once its locks are gone, a second worker takes the same jobs while the first is mid-transaction.
  const keys = await world.redisKeys('*:lock');
  await world.deleteRedisKeys(keys);
  const fast = await world.startWorker();
  // A job is a partition's wake-up, carrying the claims that woke it and draining every queued claim of the partition.
  const jobsIn = (output: string) => new Set([...output.matchAll(/"jobId":"([^"]+)"[^\n]*"message":"claim job draining its partition"|"message":"claim job draining its partition"[^\n]*"jobId":"([^"]+)"/g)].map((m) => m[1] ?? m[2]));
  const ranTwice = () => [...jobsIn(fast.output())].filter((jobId) => jobsIn(slow.output()).has(jobId)).length;
  await until(() => ranTwice() > 0, 'a job to run in both workers', 30_000);
  // The slow worker has made its point: SIGTERM lets it finish the transactions it holds, then exit 0.
  slow.child.kill('SIGTERM');
  expect(await slow.exited).toBe(0);
  await burst.done;
  await world.allTerminal();
  expectInvariants(await world.invariants());

  expect(keys.length).toBeGreaterThan(0);
  reportFigures('duplicate-delivery', { accepted: burst.accepted.length, locksExpired: keys.length, jobsRunTwice: ranTwice() });
});
