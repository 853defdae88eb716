import { reportFigures } from './support/report';
import { expectInvariants, startSeededWorld, type World } from './support/world';

let world: World;
afterAll(() => world?.close());

test('Redis loses everything mid-burst: every accepted claim still reaches a terminal status', async () => {
  world = await startSeededWorld();
  const burst = world.burst();
  await burst.reached(800);
  const flushedAt = Date.now();
  const acceptedBeforeFlush = burst.accepted.length;
  world.redis.flushAll();
  await burst.done;
  const settle = await world.allTerminal();
  expectInvariants(await world.invariants());
  const failed = await world.db()('claim_requests').where({ status: 'failed' }).count({ n: '*' });
  expect(Number(failed[0].n)).toBe(0);
  reportFigures('redis-flush', {
    acceptedBeforeFlush,
    accepted: burst.accepted.length,
    recoveredAllAfterFlushSeconds: (Date.now() - flushedAt) / 1000,
    settleAfterBurstMs: settle,
    maxAcceptToDecisionSeconds: await world.maxDecisionSeconds(),
  });
});
