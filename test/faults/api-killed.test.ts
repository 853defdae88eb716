import { reportFigures } from './support/report';
import { expectInvariants, faultEnv, startWorld, type World } from './support/world';

let world: World;
afterAll(() => world?.close());

test('the API killed between storing a claim and enqueueing it: the reconciler finishes the claim', async () => {
  world = await startWorld();
  const dying = await world.startApi(faultEnv({ killApiAfterStoredClaims: 900 }));
  await world.startWorker();
  await world.startWorker();
  await world.seed();
  const burst = world.burst();
  await dying.exited;
  const diedAt = Date.now();
  // The claim stored last was never enqueued: no job exists for it anywhere.
  const orphan = await world.db()('claim_requests').orderBy('id', 'desc').first();
  await world.startApi();
  const restartedMs = Date.now() - diedAt;
  await burst.done;
  await world.allTerminal();
  expectInvariants(await world.invariants());

  const finished = await world.db()('claim_requests').where({ id: orphan.id }).first();
  expect(['succeeded', 'rejected']).toContain(finished.status);
  // clients retried with their Idempotency-Key: every claim was accepted exactly once
  expect(new Set(burst.accepted).size).toBe(2_000);
  expect(Number((await world.db()('claim_requests').count({ n: '*' }))[0].n)).toBe(2_000);
  reportFigures('api-killed', {
    accepted: burst.accepted.length,
    statuses: Object.fromEntries(burst.statuses),
    orphanClaimId: orphan.id,
    orphanDecidedAfterSeconds: (finished.completed_at.getTime() - finished.submitted_at.getTime()) / 1000,
    apiRestartMs: restartedMs,
  });
});
