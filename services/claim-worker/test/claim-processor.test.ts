import type { Job } from 'bullmq';
import type { ApplyScope } from '@taskclaim/shared';
import type { ClaimJobData, DecidedClaim } from '@taskclaim/shared/queue';
import type { ClaimRow } from '@taskclaim/shared/db';
import type { Logger } from '@taskclaim/shared/runtime';
import { CLAIM_BATCH_SIZE, makeClaimProcessor, type ClaimStore } from '../src/claim-processor';

const logger = { child: () => logger, info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Logger;
const decided = (id: number, partition = 4): DecidedClaim => ({ claim: { id, partition, status: 'succeeded' } as ClaimRow });
const job = (attemptsMade: number, attempts = 3): Job<ClaimJobData> =>
  ({ id: 'claim-1', data: { partition: 4, claimIds: [1, 2] }, attemptsMade, opts: { attempts } }) as unknown as Job<ClaimJobData>;
const storeDown = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

/**
 * A store answering decideQueued() from a script, recording what was asked. Not covered here: the store's
 * own transactions (decideQueuedClaims, fail), which the integration tests run against PostgreSQL.
 */
function fakeStore(script: (scope: ApplyScope) => { ids: number[]; partition?: number } | Error, queued: number[] = []) {
  const applied: ApplyScope[] = [];
  const failed: number[] = [];
  const store: ClaimStore = {
    async decideQueued(scope) {
      applied.push(scope);
      const answer = script(scope);
      if (answer instanceof Error) throw answer;
      return answer.ids.map((id) => decided(id, answer.partition));
    },
    async fail(claimId) {
      failed.push(claimId);
      return { claim: { id: claimId, status: 'failed' } as ClaimRow };
    },
    // Once looked at one by one, they are decided (or failed): the next look finds none.
    queuedClaimIds: async () => queued.splice(0),
    anyQueued: async () => true,
  };
  return { store, applied, failed };
}

const run = (store: ClaimStore, attemptsMade = 0) => {
  const reported: number[][] = [];
  const handedOver: number[] = [];
  const processor = makeClaimProcessor({
    store,
    logger,
    lingerMs: 0,
    handOver: async (partition) => void handedOver.push(partition),
    report: async (claims) => void reported.push(claims.map((c) => c.claim.id)),
  });
  return { done: processor(job(attemptsMade)), reported, handedOver };
};

/** A processor that writes its hand-overs into `steps`. */
const recordingProcessor = (store: ClaimStore, steps: string[], lingerMs = 0) =>
  makeClaimProcessor({ store, logger, lingerMs, report: async () => undefined, handOver: async (partition) => void steps.push(`hand over ${partition}`) });

/** A store whose successive drains of partition 4 find these claims, then nothing. */
const rounds = (...found: { ids: number[]; partition?: number }[]) => fakeStore(() => found.shift() ?? { ids: [] });

test('a job drains its partition while its rounds find claims, reporting each transaction, and ends at an empty look once its linger is over', async () => {
  const { store, applied } = rounds({ ids: [1, 2] }, { ids: [3] });
  const { done, reported } = run(store);
  await done;
  expect(applied).toEqual(Array(3).fill({ partitions: [4], limit: CLAIM_BATCH_SIZE }));
  expect(reported).toEqual([[1, 2], [3], []]);
});

test('a bug or a broken row fails only the claim that causes it, at once, and the job completes', async () => {
  const bug = new Error('operator 9 of claim 6 is missing');
  const { store, failed } = fakeStore((scope) => ('partitions' in scope ? bug : scope.claimIds[0] === 6 ? bug : { ids: scope.claimIds }), [5, 6, 7]);
  const { done, reported } = run(store);
  await expect(done).resolves.toBeUndefined();
  expect(failed).toEqual([6]);
  expect(reported).toEqual([[5], [6], [7]]);
});

test('an infrastructure error is thrown, so BullMQ retries the job with backoff; no claim fails', async () => {
  const { store, failed } = fakeStore(() => storeDown);
  await expect(run(store, 0).done).rejects.toBe(storeDown);
  expect(failed).toEqual([]);
});

test("once its attempts are spent, the job's own claims end failed and a successor job takes the partition's others", async () => {
  const { store, failed } = fakeStore(() => storeDown);
  const { done, handedOver } = run(store, 2);
  await expect(done).rejects.toBe(storeDown);
  expect(failed).toEqual([1, 2]);
  expect(handedOver).toEqual([4]); // claims stored during its attempts get the next job
});

test('partitions drained at the same time share one transaction', async () => {
  let round = 0;
  const { store, applied } = fakeStore(() => (++round === 1 ? { ids: [1] } : { ids: [] }));
  const processor = recordingProcessor(store, []);
  const other = { ...job(0), data: { partition: 9, claimIds: [3] } } as Job<ClaimJobData>;
  await Promise.all([processor(job(0)), processor(other)]);
  // Partition 9 found nothing in the first round, so its job ended there.
  expect(applied).toEqual([{ partitions: [4, 9], limit: CLAIM_BATCH_SIZE }, { partitions: [4], limit: CLAIM_BATCH_SIZE }]);
});

test('a job goes on looking at its idle partition for its linger, counted again from each look that finds claims', async () => {
  const lingerMs = 60;
  const looks: { at: number; found: boolean }[] = [];
  const found = [[1], [], [2]];
  const { store } = fakeStore(() => {
    const ids = found.shift() ?? [];
    looks.push({ at: performance.now(), found: ids.length > 0 });
    return { ids };
  });
  await recordingProcessor(store, [], lingerMs)(job(0));
  const lastFinding = looks.filter((look) => look.found).at(-1) as { at: number };
  expect(looks.slice(0, 3).map((look) => look.found)).toEqual([true, false, true]);
  // Idle looks are paced, not a busy loop, and the job ends only a linger after the look that found claim 2.
  expect(looks.length).toBeLessThan(3 + lingerMs);
  expect((looks.at(-1) as { at: number }).at - lastFinding.at).toBeGreaterThanOrEqual(lingerMs);
});

test('a full batch may have left claims of any partition in it queued: every partition of the round looks again', async () => {
  const fullOfOthers = Array.from({ length: CLAIM_BATCH_SIZE }, (_, index) => index + 1);
  const { store, applied } = rounds({ ids: fullOfOthers, partition: 9 });
  await run(store).done;
  expect(applied).toHaveLength(2);
});

test('after a round that found nothing, a look first asks without a transaction, and opens one only when claims wait', async () => {
  const found = [[1], [], [2]];
  const { store, applied } = fakeStore(() => ({ ids: found.shift() ?? [] }));
  const answers = [false, true, false, false];
  let peeks = 0;
  store.anyQueued = async () => {
    peeks++;
    return answers.shift() ?? false;
  };
  await recordingProcessor(store, [], 30)(job(0));
  // Transactions: [1], nothing; then a peek (nothing), a peek (claims) and a transaction for [2]; one more that finds
  // nothing; from then on only peeks until the linger is over.
  expect(applied).toHaveLength(4);
  expect(peeks).toBeGreaterThanOrEqual(3);
});

test('a job told to stop mid-drain (its worker closing, its lock lost) hands the partition over after the round in hand, even while rounds find claims', async () => {
  const steps: string[] = [];
  const closing = new AbortController();
  const { store } = fakeStore(() => {
    steps.push('drain');
    if (steps.length === 2) closing.abort('worker closing');
    return { ids: [steps.length] };
  });
  const processor = recordingProcessor(store, steps);
  await processor(job(0), 'token', closing.signal);
  expect(steps).toEqual(['drain', 'drain', 'hand over 4']);
});
