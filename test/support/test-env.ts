import type { ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import path from 'node:path';
import {
  claimPartitions,
  isRedisCluster,
  makeRedis,
  queuePrefix,
  WEBHOOK_QUEUE_NAME,
  LEASE_QUEUE_NAME,
  RECONCILER_QUEUE_NAME,
} from '@taskclaim/shared/queue';
import { dropDatabase, ensureDatabase, makeDb, type Db } from '@taskclaim/shared/db';
import { makeLogger, parseConfig, type Config } from '@taskclaim/shared/runtime';
import { makeApp } from '../../services/api/src/app';
import * as tokensRepo from '../../services/api/src/db/tokens.repository';
import { makeApiDeps, type ApiDeps } from '../../services/api/src/deps';
import { makeHttpServer } from '../../services/api/src/http/server';
import { startClaimWorkers, type ClaimWorkerProcess } from '../../services/claim-worker/src/worker';
import { databaseUrl, templateDatabase, uniqueName } from './databases';
import { makeFactories, type Factories } from './factories';
import { makeHttp, type Http } from './http';
import { assertClosed, ownedBy } from './leak-guard';
import { freePort, spawnTs, until } from '../../harness/processes';

const ROOT = path.resolve(__dirname, '../..');
/**
 * How long a spawned process may take to become ready. A process that crashes fails the wait at once
 * (its exit is watched): this only catches one that hangs. Starting is node + tsx compiling the service,
 * which takes seconds alone and several times that while other suites load the two cores.
 */
export const PROCESS_START_MS = 120_000;
/** a test that runs `npm start` (migrations, the console build check, the demo seed) and then its own minute of work */
export const NPM_START_TEST_MS = PROCESS_START_MS + 60_000;
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface TestEnv {
  config: Config;
  /** the variables a child process needs to join this env (same database, same queue prefix) */
  childEnv: NodeJS.ProcessEnv;
  db: Db;
  api: ApiDeps;
  /** where the in-process API listens, e.g. http://127.0.0.1:41234 */
  baseUrl: string;
  http: Http;
  factories: Factories;
  /** starts an in-process claim worker (one BullMQ worker per partition) */
  startWorker(): Promise<ClaimWorkerProcess>;
  /** starts `npm run start:worker`'s entry point as a separate OS process */
  spawnWorker(extraEnv?: NodeJS.ProcessEnv): Promise<SpawnedWorker>;
  /**
   * starts `npm run start:api`'s entry point (or another server that answers /readyz, such as a bench
   * baseline) as a separate OS process on a free port, resolved once /readyz answers 200
   */
  spawnApi(extraEnv?: NodeJS.ProcessEnv, script?: string): Promise<SpawnedApi>;
  close(): Promise<void>;
}

export interface SpawnedApi extends SpawnedWorker {
  baseUrl: string;
  http: Http;
}

export interface SpawnedWorker {
  child: ChildProcess;
  output(): string;
  /** resolves with the exit code */
  exited: Promise<number | null>;
}

/**
 * One file's world: its own database cloned from the migrated template, its own queue prefix, an API
 * listening on a random port, and workers started on demand. `close()` leaves nothing behind.
 * `overrides` may give REDIS_CLUSTER_NODES: everything, child processes included, then uses that cluster.
 * What the env opens is its own (leak-guard.ts): `close()` fails if any of it is still open.
 */
export async function makeTestEnv(overrides: Record<string, string> = {}): Promise<TestEnv> {
  const owner = { env: 'test env' };
  return ownedBy(owner, () => openTestEnv(owner, overrides));
}

async function openTestEnv(owner: object, overrides: Record<string, string>): Promise<TestEnv> {
  const name = uniqueName('taskclaim_test');
  const url = databaseUrl(name);
  await ensureDatabase(url, templateDatabase());
  const variables: Record<string, string> = {
    DATABASE_URL: url,
    QUEUE_PREFIX: `tctest-${name.slice('taskclaim_test_'.length)}`,
    ADMIN_TOKEN,
    LOG_LEVEL: 'error',
    CLAIM_PARTITIONS: '8',
    RECONCILE_AFTER_MS: '2000',
    RECONCILE_INTERVAL_MS: '1000',
    CLAIM_LOCK_MS: '2000',
    WORKER_METRICS_PORT: '0',
    // one token of a test often stands in for many clients; concurrency-limit.test.ts sets the limit it tests
    MAX_CONCURRENT_PER_TOKEN: '10000',
    // two test files run at once, each with an API, workers and child processes: stay under max_connections
    DATABASE_POOL_MAX: '4',
    // two suites share two cores: a statement of a loaded machine must not be cut short as if PostgreSQL had stopped
    DATABASE_TIMEOUT_MS: '10000',
    REDIS_TIMEOUT_MS: '10000',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    ...overrides,
  };
  const config = parseConfig(variables);
  const logger = makeLogger({ level: config.LOG_LEVEL, service: 'test' });
  const db = makeDb(url, { max: 4 });
  const api = await makeApiDeps(config, logger);
  await tokensRepo.syncBootstrapAdminToken(db, ADMIN_TOKEN);
  await api.queues.enforceSerialization();
  const server: Server = await new Promise((resolve) => {
    const listening = makeHttpServer(makeApp(api), { maxConnections: config.MAX_CONNECTIONS }).listen(0, '127.0.0.1', () => resolve(listening));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const http = makeHttp(baseUrl);
  const workers: ClaimWorkerProcess[] = [];
  const children: SpawnedWorker[] = [];
  const childEnv = { ...process.env, ...variables };

  return {
    config,
    childEnv,
    db,
    api,
    baseUrl,
    http,
    factories: makeFactories(http, ADMIN_TOKEN),
    async startWorker() {
      const worker = await ownedBy(owner, () => startClaimWorkers(config, logger));
      workers.push(worker);
      return worker;
    },
    async spawnWorker(extraEnv = {}) {
      const spawned = spawnTs(path.join(ROOT, 'services/claim-worker/src/main.ts'), { ...childEnv, LOG_LEVEL: 'info', ...extraEnv });
      children.push(spawned);
      await until(() => {
        if (spawned.child.exitCode !== null) throw new Error(`worker did not start:\n${spawned.output()}`);
        return spawned.output().includes('claim workers started');
      }, 'a worker process to start', PROCESS_START_MS).catch((error: Error) => {
        throw new Error(`${error.message}:\n${spawned.output()}`);
      });
      return spawned;
    },
    async spawnApi(extraEnv = {}, script = 'services/api/src/main.ts') {
      const port = await freePort();
      const spawned = spawnTs(path.join(ROOT, script), { ...childEnv, LOG_LEVEL: 'info', ...extraEnv, PORT: String(port) });
      children.push(spawned);
      const apiUrl = `http://127.0.0.1:${port}`;
      await until(async () => {
        if (spawned.child.exitCode !== null) throw new Error(`api did not start:\n${spawned.output()}`);
        return fetch(`${apiUrl}/readyz`).then((response) => response.ok, () => false);
      }, 'an API process to be ready', PROCESS_START_MS).catch((error: Error) => {
        throw new Error(`${error.message}:\n${spawned.output()}`);
      });
      return { ...spawned, baseUrl: apiUrl, http: makeHttp(apiUrl) };
    },
    async close() {
      for (const spawned of children) if (spawned.child.exitCode === null) spawned.child.kill('SIGKILL');
      await Promise.all(children.map((spawned) => spawned.exited));
      await Promise.all(workers.map((worker) => worker.close()));
      // Connections that turn idle after close() began would otherwise stay for the server's keep-alive timeout.
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
      await api.close();
      await db.destroy();
      await deleteRedisKeys(config);
      await dropDatabase(url);
      await assertClosed(owner, 'env.close()');
    },
  };
}

/**
 * Deletes this env's keys: QUEUE_PREFIX's own (rate limits) and every queue's (on a cluster, one hash
 * tag per queue). A cluster is scanned master by master, and its keys deleted one by one (one slot each).
 */
async function deleteRedisKeys(config: Config): Promise<void> {
  const redis = makeRedis(config, 'blocking');
  try {
    await redis.ping(); // a cluster knows its masters once connected
    const cluster = isRedisCluster(redis);
    const prefixes = new Set([
      config.QUEUE_PREFIX,
      queuePrefix(config.QUEUE_PREFIX, WEBHOOK_QUEUE_NAME, cluster),
      queuePrefix(config.QUEUE_PREFIX, LEASE_QUEUE_NAME, cluster),
      queuePrefix(config.QUEUE_PREFIX, RECONCILER_QUEUE_NAME, cluster),
      ...claimPartitions(config.CLAIM_PARTITIONS).map((partition) => queuePrefix(config.QUEUE_PREFIX, partition, cluster)),
    ]);
    for (const node of cluster ? redis.nodes('master') : [redis]) {
      for (const prefix of prefixes) {
        let cursor = '0';
        do {
          const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          if (keys.length && cluster) await node.pipeline(keys.map((key) => ['del', key])).exec();
          else if (keys.length) await node.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      }
    }
  } finally {
    redis.disconnect();
  }
}

/** Polls `check` until it returns a value other than undefined (for outcomes decided by other processes). */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
