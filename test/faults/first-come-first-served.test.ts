import { reportFigures } from './support/report';
import { expectInvariants, startSeededWorld, type World } from './support/world';

let world: World;
afterAll(() => world?.close());

test('fault-free burst: every invariant holds and each contended task goes to the claim accepted first', async () => {
  world = await startSeededWorld();
  const burst = world.burst();
  await burst.done;
  const settle = await world.allTerminal();
  expectInvariants(await world.invariants(true));
  expect(burst.accepted.length).toBe(2_000);
  reportFigures('fairness', {
    accepted: burst.accepted.length,
    statuses: Object.fromEntries(burst.statuses),
    maxAcceptToDecisionSeconds: await world.maxDecisionSeconds(),
    settleAfterBurstMs: settle,
  });
});
