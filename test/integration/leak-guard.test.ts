/**
 * The leak guard itself (test/support/leak-guard.ts): what it reports while a worker, queue, pool or
 * connection is open, and that it stops once they are closed. What fails a test is the same check,
 * run by leak-guard-environment.js when a test ends.
 */
import { Queue, Worker } from 'bullmq';
import { makeDb } from '@taskclaim/shared/db';
import { makeRedis } from '@taskclaim/shared/queue';
import { assertClosed, leaksOfTest, mark, ownedBy } from '../support/leak-guard';
import { makeTestEnv } from '../support/test-env';
import { BASE_URL } from '../support/databases';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `tcleak-${process.pid}`;

test('a Redis connection the test opened is reported until it is disconnected', async () => {
  const since = mark();
  const redis = makeRedis(REDIS_URL, 'blocking');
  await redis.ping();
  expect(await leaksOfTest(since)).toMatch(/^the test left open: Redis connection 127\.0\.0\.1:6379/);
  redis.disconnect();
  expect(await leaksOfTest(since)).toBeUndefined();
});

test('a BullMQ Worker and Queue are reported until closed', async () => {
  const since = mark();
  const connection = makeRedis(REDIS_URL, 'blocking');
  const queue = new Queue('leaky', { connection, prefix });
  const worker = new Worker('leaky', async () => undefined, { connection, prefix });
  await worker.waitUntilReady();
  const report = await leaksOfTest(since);
  expect(report).toContain('BullMQ Queue Queue leaky');
  expect(report).toContain('BullMQ Worker Worker leaky');
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  expect(await leaksOfTest(since)).toBe('the test left open: Redis connection 127.0.0.1:6379 (unnamed)');
  connection.disconnect();
  expect(await leaksOfTest(since)).toBeUndefined();
});

test('a knex pool is reported until destroyed', async () => {
  const since = mark();
  const db = makeDb(BASE_URL, { max: 1 });
  await db.raw('SELECT 1');
  expect(await leaksOfTest(since)).toBe('the test left open: knex pool of postgres');
  await db.destroy();
  expect(await leaksOfTest(since)).toBeUndefined();
});

test("what an owner opened is its own: the test is not blamed, the owner's close is", async () => {
  const since = mark();
  const owner = {};
  const redis = ownedBy(owner, () => makeRedis(REDIS_URL, 'blocking'));
  await redis.ping();
  expect(await leaksOfTest(since)).toBeUndefined();
  await expect(assertClosed(owner, 'close()')).rejects.toThrow(/^close\(\) left open: Redis connection 127\.0\.0\.1:6379/);
  redis.disconnect();
  await expect(assertClosed(owner, 'close()')).resolves.toBeUndefined();
});

test('a test env with a worker closes everything it opened', async () => {
  const since = mark();
  const env = await makeTestEnv();
  await env.startWorker();
  expect(await leaksOfTest(since)).toBeUndefined();
  await expect(env.close()).resolves.toBeUndefined();
});
