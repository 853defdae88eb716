import { reportFigures } from './support/report';
import { expectInvariants, startSeededWorld, type World } from './support/world';

let world: World;
afterAll(() => world?.close());

test('PostgreSQL restarted mid-burst: API and workers reconnect, retries absorb the outage, no claim fails', async () => {
  world = await startSeededWorld({ privatePostgres: true });
  const burst = world.burst();
  await burst.reached(700);
  const started = Date.now();
  world.postgres!.restart();
  const outageMs = Date.now() - started;
  await burst.done;
  await world.allTerminal();
  expectInvariants(await world.invariants());
  const failed = await world.db()('claim_requests').where({ status: 'failed' }).count({ n: '*' });
  expect(Number(failed[0].n)).toBe(0);
  // while the database was down the API answered 503, never 500
  expect(burst.statuses.get('500')).toBeUndefined();
  reportFigures('postgres-restart', {
    accepted: burst.accepted.length,
    statuses: Object.fromEntries(burst.statuses),
    restartMs: outageMs,
    maxAcceptToDecisionSeconds: await world.maxDecisionSeconds(),
  });
});
