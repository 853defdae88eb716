/**
 * The errors real clients raise when PostgreSQL or Redis goes away, through the adapters that own the
 * clients (`makeDb`, `makeRedis`), as `isInfrastructureError` sees them: by class or by code, never by
 * message text. The bare Errors pg and ioredis raise for a lost connection arrive named.
 */
import { ReplyError } from 'ioredis';
import pg from 'pg';
import { DatabaseUnavailableError, isInfrastructureError, RedisUnavailableError } from '@taskclaim/shared/runtime';
import { makeDb } from '@taskclaim/shared/db';
import { makeRedis, type RedisClient } from '@taskclaim/shared/queue';
import { listenTcp } from '../support/tcp-listener';

const POSTGRES = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' };
const pgUrl = (port: number) => `postgres://${POSTGRES.user}@${POSTGRES.host}:${port}/${POSTGRES.database}`;

/** `silent` accepts and never answers; `proxy` forwards to PostgreSQL and can cut every connection. */
const listen = (mode: 'silent' | 'proxy') => listenTcp(mode === 'proxy' ? { upstream: POSTGRES } : {});

async function freePort(): Promise<number> {
  const server = await listen('silent');
  await server.close();
  return server.port;
}

const rejectionOf = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => Promise.reject(new Error('expected a rejection')), (error: unknown) => error);

describe('PostgreSQL failures, as makeDb raises them', () => {
  test('nothing listening: ECONNREFUSED, by its code', async () => {
    const db = makeDb(pgUrl(await freePort()), { timeoutMs: 2_000 });
    try {
      const error = await rejectionOf(db.raw('SELECT 1'));
      expect((error as { code?: string }).code).toBe('ECONNREFUSED');
      expect(isInfrastructureError(error)).toBe(true);
    } finally {
      await db.destroy();
    }
  });

  test("no answer while connecting: pg's bare 'timeout expired', named DatabaseUnavailableError", async () => {
    const silent = await listen('silent');
    const db = makeDb(pgUrl(silent.port), { timeoutMs: 300 });
    try {
      // What the pool's connect gives it: a statement waiting for that connection gets this error, or
      // knex's KnexTimeoutError when its own wait for a connection (the same DATABASE_TIMEOUT_MS) runs out first.
      const error = await rejectionOf((db.client as { acquireRawConnection(): Promise<unknown> }).acquireRawConnection());
      expect(error).toBeInstanceOf(DatabaseUnavailableError);
      expect(((error as Error).cause as Error).message).toBe('timeout expired');
      expect(isInfrastructureError(error)).toBe(true);
    } finally {
      await db.destroy();
      await silent.close();
    }
  });

  test("the connection cut mid-statement: pg's bare 'Connection terminated unexpectedly', named DatabaseUnavailableError", async () => {
    const proxy = await listen('proxy');
    const db = makeDb(pgUrl(proxy.port), { max: 1 });
    try {
      await db.raw('SELECT 1');
      const sleeping = rejectionOf(db.raw('SELECT pg_sleep(10)'));
      await new Promise((resolve) => setTimeout(resolve, 200));
      proxy.cut();
      const error = await sleeping;
      expect(error).toBeInstanceOf(DatabaseUnavailableError);
      expect(((error as Error).cause as Error).message).toBe('Connection terminated unexpectedly');
      expect(isInfrastructureError(error)).toBe(true);
    } finally {
      await db.destroy();
      await proxy.close();
    }
  });

  test('the backend terminated by the server: 57P01 admin_shutdown, by its code', async () => {
    const db = makeDb(pgUrl(POSTGRES.port), { max: 1 });
    const admin = new pg.Client(POSTGRES);
    await admin.connect();
    try {
      const { rows } = await db.raw<{ rows: { pid: number }[] }>('SELECT pg_backend_pid() AS pid');
      const sleeping = rejectionOf(db.raw('SELECT pg_sleep(10)'));
      await new Promise((resolve) => setTimeout(resolve, 200));
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
      const error = await sleeping;
      expect(error).toBeInstanceOf(pg.DatabaseError);
      expect((error as { code?: string }).code).toBe('57P01');
      expect(isInfrastructureError(error)).toBe(true);
    } finally {
      await admin.end();
      await db.destroy();
    }
  });

  test('a statement PostgreSQL refuses stays what it is: not an infrastructure error', async () => {
    const db = makeDb(pgUrl(POSTGRES.port), { max: 1, timeoutMs: 2_000 });
    try {
      const error = await rejectionOf(db.raw('SELECT * FROM no_such_table'));
      expect(error).toBeInstanceOf(pg.DatabaseError);
      expect((error as { code?: string }).code).toBe('42P01');
      expect(isInfrastructureError(error)).toBe(false);
    } finally {
      await db.destroy();
    }
  });
});

describe('Redis failures, as makeRedis raises them', () => {
  const target = (url: string) => ({ REDIS_URL: url, REDIS_TIMEOUT_MS: 300 });
  /** a request connection has no offline queue: a command before `ready` fails at once */
  const ready = async (redis: RedisClient) => {
    if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  };

  test("a command after disconnect: ioredis' bare 'Connection is closed.', named RedisUnavailableError", async () => {
    const redis = makeRedis(target('redis://127.0.0.1:6379'), 'request');
    await ready(redis);
    await redis.ping();
    const ended = new Promise((resolve) => redis.once('end', resolve));
    redis.disconnect();
    await ended;
    const error = await rejectionOf(redis.get('anything'));
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect((error as Error).message).toBe('Connection is closed.');
    expect(isInfrastructureError(error)).toBe(true);
  });

  test("nothing listening, no offline queue: ioredis' bare 'Stream isn't writeable…', named RedisUnavailableError", async () => {
    const redis = makeRedis(target(`redis://127.0.0.1:${await freePort()}`), 'request');
    redis.on('error', () => undefined);
    try {
      const error = await rejectionOf(redis.get('anything'));
      expect(error).toBeInstanceOf(RedisUnavailableError);
      expect(isInfrastructureError(error)).toBe(true);
    } finally {
      redis.disconnect();
    }
  });

  test("a Redis that stops answering: ioredis' bare 'Command timed out', named RedisUnavailableError", async () => {
    const silent = await listen('silent');
    // RESP2 and no ready check: no handshake, so the connection is ready once TCP connects, and the silent server answers nothing.
    const redis = makeRedis(target(`redis://127.0.0.1:${silent.port}`), 'request', { enableReadyCheck: false, protocol: 2 });
    redis.on('error', () => undefined);
    try {
      await ready(redis);
      const error = await rejectionOf(redis.get('anything'));
      expect(error).toBeInstanceOf(RedisUnavailableError);
      expect((error as Error).message).toBe('Command timed out');
      expect(isInfrastructureError(error)).toBe(true);
    } finally {
      redis.disconnect();
      await silent.close();
    }
  });

  test('a reply error stays what it is: not an infrastructure error', async () => {
    const redis = makeRedis(target('redis://127.0.0.1:6379'), 'request');
    try {
      await ready(redis);
      const error = await rejectionOf(redis.call('NO-SUCH-COMMAND'));
      expect(error).toBeInstanceOf(ReplyError);
      expect(isInfrastructureError(error)).toBe(false);
    } finally {
      redis.disconnect();
    }
  });
});
