import { reportFigures } from './support/report';
import { LOCK_MS, expectInvariants, startWorld, type World } from './support/world';

let world: World;
afterAll(() => world?.close());

test('a worker SIGKILLed mid-burst: its jobs are taken over after the lock expires, nothing lost or doubled', async () => {
  world = await startWorld();
  await world.startApi();
  const [doomed] = [await world.startWorker(), await world.startWorker()];
  await world.seed();
  const burst = world.burst();
  await burst.reached(700);
  const killedAt = new Date();
  doomed.child.kill('SIGKILL');
  await world.startWorker();
  await burst.done;
  await world.allTerminal();
  expectInvariants(await world.invariants());

  const stalledSeconds = await world.partitionResumeSeconds(killedAt);
  // the stalled checker runs every lock period; a lock expires after one: at most about two periods
  expect(stalledSeconds).toBeLessThan((3 * LOCK_MS) / 1000 + 2);
  const failed = await world.db()('claim_requests').where({ status: 'failed' }).count({ n: '*' });
  expect(Number(failed[0].n)).toBe(0);
  reportFigures('worker-killed', {
    accepted: burst.accepted.length,
    lockMs: LOCK_MS,
    partitionsStalledSeconds: stalledSeconds,
    maxAcceptToDecisionSeconds: await world.maxDecisionSeconds(),
  });
});
