import type { Job } from 'bullmq';
import type { ApplyScope, ClaimJobData, ClaimRow, DecidedClaimReport, Logger } from '@taskclaim/shared';
import { CLAIM_BATCH_SIZE, makeClaimProcessor, type ClaimStore } from '../src/claim-processor';

const logger = { child: () => logger, info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Logger;
const decided = (id: number): DecidedClaimReport =>
  ({ claim: { id, status: 'succeeded' } as ClaimRow, decision: { outcome: 'succeeded', alreadyClaimed: false } }) as DecidedClaimReport;
const job = (attemptsMade: number, attempts = 3): Job<ClaimJobData> =>
  ({ id: 'claim-1', data: { partition: 4, claimIds: [1, 2] }, attemptsMade, opts: { attempts } }) as unknown as Job<ClaimJobData>;
const storeDown = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

/** A store answering apply() from a script, recording what was asked. */
function fakeStore(script: (scope: ApplyScope) => { ids: number[]; full?: boolean } | Error, queued: number[] = []) {
  const applied: ApplyScope[] = [];
  const failed: number[] = [];
  const store: ClaimStore = {
    async apply(scope) {
      applied.push(scope);
      const answer = script(scope);
      if (answer instanceof Error) throw answer;
      return { decided: answer.ids.map(decided), full: answer.full ?? false };
    },
    async fail(claimId) {
      failed.push(claimId);
      return { claim: { id: claimId, status: 'failed' } as ClaimRow };
    },
    queuedClaimIds: async () => queued,
  };
  return { store, applied, failed };
}

const run = (store: ClaimStore, attemptsMade = 0) => {
  const reported: number[][] = [];
  const processor = makeClaimProcessor({ store, logger, draining: async () => undefined, report: async (claims) => void reported.push(claims.map((c) => c.claim.id)) });
  return { done: processor(job(attemptsMade)), reported };
};

test('a job drains its partition until a batch comes back short, reporting each transaction', async () => {
  let round = 0;
  const { store, applied } = fakeStore(() => (++round === 1 ? { ids: [1, 2], full: true } : { ids: [3] }));
  const { done, reported } = run(store);
  await done;
  expect(applied).toEqual([
    { partitions: [4], limit: CLAIM_BATCH_SIZE },
    { partitions: [4], limit: CLAIM_BATCH_SIZE },
  ]);
  expect(reported).toEqual([[1, 2], [3]]);
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

test("once its attempts are spent, the job's own claims end failed (the others stay queued for the reconciler)", async () => {
  const { store, failed } = fakeStore(() => storeDown);
  await expect(run(store, 2).done).rejects.toBe(storeDown);
  expect(failed).toEqual([1, 2]);
});

test('partitions drained at the same time share one transaction', async () => {
  const { store, applied } = fakeStore((scope) => ({ ids: 'partitions' in scope ? scope.partitions : [] }));
  const processor = makeClaimProcessor({ store, logger, draining: async () => undefined, report: async () => undefined });
  const other = { ...job(0), data: { partition: 9, claimIds: [3] } } as Job<ClaimJobData>;
  await Promise.all([processor(job(0)), processor(other)]);
  expect(applied).toEqual([{ partitions: [4, 9], limit: CLAIM_BATCH_SIZE }]);
});

test("each drain first clears its partitions' wake-up markers, so a claim stored during the drain wakes them again", async () => {
  const steps: string[] = [];
  let round = 0;
  const { store } = fakeStore(() => {
    steps.push('drain');
    return ++round === 1 ? { ids: [1], full: true } : { ids: [] };
  });
  const processor = makeClaimProcessor({ store, logger, report: async () => undefined, draining: async (partitions) => void steps.push(`clear ${partitions}`) });
  await processor(job(0));
  expect(steps).toEqual(['clear 4', 'drain', 'clear 4', 'drain']);
});
