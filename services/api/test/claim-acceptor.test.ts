import type { Knex } from 'knex';
import { claimsRepo, type Db } from '@taskclaim/shared/db';
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

afterEach(() => jest.restoreAllMocks());

/**
 * A database whose transactions (the acceptor runs one per batch) run the acceptor's own callback, in
 * which `claimsRepo.insertClaims` answers in turn from `answers`: an error to throw, or what storing the
 * batch found (no claim stored). It records the task ids of each batch. The first waits for `release`,
 * so the claims stored meanwhile form one batch. Not covered here: the SQL of insertClaims, which the
 * integration tests run against PostgreSQL.
 */
function scriptedDb(answers: (Error | 'answered')[]) {
  const batches: (number | null)[][] = [];
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  jest.spyOn(claimsRepo, 'insertClaims').mockImplementation(async (_trx, claims) => {
    batches.push(claims.map((entry) => entry.task_id));
    if (batches.length === 1) await held;
    const answer = answers.shift();
    if (answer instanceof Error) throw answer;
    return claims.map((): claimsRepo.InsertResult => ({ stored: false }));
  });
  const db = { transaction: <T>(callback: (trx: Knex.Transaction) => Promise<T>) => callback({} as Knex.Transaction) };
  return { db: db as unknown as Db, transactions: () => batches.length, batches: () => batches, release };
}

/** One claim stored alone, then three that arrive while it is in flight (one batch): what each of the three gets. */
async function storeFour(script: ReturnType<typeof scriptedDb>): Promise<unknown[]> {
  const acceptor = makeClaimAcceptor(script.db, { afterCommit: async () => undefined });
  const first = acceptor.store(claim(1));
  // The group commit gathers a turn's claims: the first batch starts alone, in the next turn.
  await new Promise((resolve) => setImmediate(resolve));
  const rest = [2, 3, 4].map((taskId) => acceptor.store(claim(taskId)));
  script.release();
  await first;
  return (await Promise.allSettled(rest)).map((result) => (result.status === 'rejected' ? result.reason : result.value));
}

test('a batch a row makes fail is stored again one claim at a time: only that claim fails', async () => {
  const script = scriptedDb(['answered', rowError, 'answered', rowError, 'answered']);
  expect(await storeFour(script)).toEqual([undefined, rowError, undefined]);
  expect(script.transactions()).toBe(5);
  expect(script.batches()).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
});

test('a store that stops answering while a failed batch is stored again fails the rest of it at once', async () => {
  const script = scriptedDb(['answered', rowError, storeDown, 'answered', 'answered']);
  expect(await storeFour(script)).toEqual([storeDown, storeDown, storeDown]);
  expect(script.transactions()).toBe(3);
  expect(script.batches()).toEqual([[1], [2, 3, 4], [2]]);
});
