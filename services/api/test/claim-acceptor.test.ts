import type { claimsRepo, Db } from '@taskclaim/shared';
import { makeClaimAcceptor } from '../src/claims/claim-acceptor';

const claim = (taskId: number): claimsRepo.NewClaim => ({
  action: 'claim',
  task_id: taskId,
  department_ids: null,
  operator_id: 1,
  token_id: 1,
  notes: '',
  callback_url: null,
  request_id: `request-${taskId}`,
  idempotency_key: null,
  request_fingerprint: null,
  partition: 0,
});
const rowError = Object.assign(new Error('new row violates check constraint'), { code: '23514' });
const storeDown = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

/**
 * A database whose transactions (the acceptor runs one per batch) answer in turn from `answers`: an
 * error to throw, or what storing one claim found (not stored). The first waits for `release`, so the
 * claims stored meanwhile form one batch.
 */
function scriptedDb(answers: (Error | 'answered')[]) {
  let transactions = 0;
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const db = {
    async transaction(): Promise<{ results: claimsRepo.InsertResult[]; decided: [] }> {
      if (++transactions === 1) await held;
      const answer = answers.shift();
      if (answer instanceof Error) throw answer;
      return { results: [{ stored: false }], decided: [] };
    },
  };
  return { db: db as unknown as Db, transactions: () => transactions, release };
}

/** One claim stored alone, then three that arrive while it is in flight (one batch): what each of the three gets. */
async function storeFour(script: ReturnType<typeof scriptedDb>): Promise<unknown[]> {
  const acceptor = makeClaimAcceptor(script.db, { afterCommit: async () => undefined });
  const first = acceptor.store(claim(1));
  const rest = [2, 3, 4].map((taskId) => acceptor.store(claim(taskId)));
  script.release();
  await first;
  return (await Promise.allSettled(rest)).map((result) => (result.status === 'rejected' ? result.reason : result.value));
}

test('a batch a row makes fail is stored again one claim at a time: only that claim fails', async () => {
  const script = scriptedDb(['answered', rowError, 'answered', rowError, 'answered']);
  expect(await storeFour(script)).toEqual([{ stored: false }, rowError, { stored: false }]);
  expect(script.transactions()).toBe(5);
});

test('a store that stops answering while a failed batch is stored again fails the rest of it at once', async () => {
  const script = scriptedDb(['answered', rowError, storeDown, 'answered', 'answered']);
  expect(await storeFour(script)).toEqual([storeDown, storeDown, storeDown]);
  expect(script.transactions()).toBe(3);
});
