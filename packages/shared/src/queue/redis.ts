import { Cluster, type Command, Redis, ReplyError, type RedisOptions } from 'ioredis';
import type { QueueBase } from 'bullmq';
import { isInfrastructureError, RedisUnavailableError } from '../runtime/infrastructure-errors';
import type { Logger } from '../runtime/logger';
import { reportStoreOutage } from '../runtime/store-outage';

/** A single Redis or a Redis Cluster: everything taskclaim asks of Redis works on both. */
export type RedisClient = Redis | Cluster;

/** Where Redis is: `REDIS_CLUSTER_NODES` (a Redis Cluster) when set, else `REDIS_URL`; and how long a request waits for it. */
export interface RedisTarget {
  REDIS_URL: string;
  REDIS_CLUSTER_NODES?: string;
  REDIS_TIMEOUT_MS?: number;
}

/** `host:port,host:port,…` (IPv6 hosts in brackets: `[::1]:7000`) → the Cluster client's startup nodes. */
export function parseClusterNodes(value: string): { host: string; port: number }[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const match = /^(?:([\w.-]+)|\[([\da-fA-F:.]+)\]):(\d{1,5})$/.exec(entry);
      if (!match || Number(match[3]) < 1 || Number(match[3]) > 65535) throw new Error(`not host:port: ${entry}`);
      return { host: match[1] ?? match[2], port: Number(match[3]) };
    });
}

export const isRedisCluster = (client: RedisClient): client is Cluster => client.isCluster;

const retryStrategy = (times: number) => Math.min(times * 200, 2_000);

/**
 * ioredis fails a command with a bare `Error` when the connection is the problem: "Connection is
 * closed." (closed, or closed with the command in flight), "Stream isn't writeable and
 * enableOfflineQueue options is false" (not connected, no offline queue), "Command timed out"
 * (commandTimeout), an `AbortError` (aborted by a close) or a `MaxRetriesPerRequestError`. What Redis
 * itself answered is a `ReplyError`. So every failure of a command but a reply is renamed
 * `RedisUnavailableError`, message kept (ioredis compares it). (ioredis also refuses commands in two
 * modes taskclaim never uses: a monitor connection, and a subscriber on RESP2; ioredis 6 speaks RESP3,
 * where a subscriber may send any command.)
 * The command's `reject` is wrapped before ioredis sees the command, so a Cluster's redirection
 * handling still sees the original error first.
 */
function nameConnectionFailures(command: Command): void {
  const reject = command.reject;
  command.reject = (error: Error) =>
    reject(error instanceof ReplyError || error instanceof RedisUnavailableError ? error : new RedisUnavailableError(error.message, { cause: error }));
}

/** `client`, its commands' connection failures named (and those of its duplicates: BullMQ duplicates a connection for its blocking commands). */
function withNamedFailures<Client extends RedisClient>(client: Client): Client {
  const send = client.sendCommand.bind(client) as (command: Command, ...rest: unknown[]) => unknown;
  client.sendCommand = (command: Command, ...rest: unknown[]) => {
    nameConnectionFailures(command);
    return send(command, ...rest);
  };
  if (!isRedisCluster(client)) {
    const duplicate = client.duplicate.bind(client);
    client.duplicate = ((override) => withNamedFailures(duplicate(override))) as typeof client.duplicate;
  }
  return client;
}

/**
 * `blocking` connections (BullMQ workers, pub/sub subscribers) wait forever for Redis to come back;
 * request-path connections fail fast so the API can answer 503 instead of hanging: no offline queue,
 * one retry, and given the configuration, REDIS_TIMEOUT_MS for connecting and for each command's
 * answer (a Redis that stopped answering leaves the connection `ready`, so only a timeout notices).
 * Given a URL, a single Redis; given the configuration, a Redis Cluster when REDIS_CLUSTER_NODES is set.
 */
export function makeRedis(url: string, role: 'blocking' | 'request', options?: RedisOptions): Redis;
export function makeRedis(target: RedisTarget, role: 'blocking' | 'request', options?: RedisOptions): RedisClient;
export function makeRedis(target: string | RedisTarget, role: 'blocking' | 'request', options: RedisOptions = {}): RedisClient {
  const timeoutMs = role === 'request' && typeof target !== 'string' ? target.REDIS_TIMEOUT_MS : undefined;
  const perRequest = { maxRetriesPerRequest: role === 'blocking' ? null : 1, ...(timeoutMs && { commandTimeout: timeoutMs, connectTimeout: timeoutMs }) };
  if (typeof target !== 'string' && target.REDIS_CLUSTER_NODES) {
    return withNamedFailures(new Cluster(parseClusterNodes(target.REDIS_CLUSTER_NODES), {
      enableOfflineQueue: role === 'blocking',
      clusterRetryStrategy: retryStrategy,
      // BullMQ reads maxRetriesPerRequest of a Cluster from here (null for its blocking connections).
      redisOptions: { ...perRequest, ...options },
    }));
  }
  return withNamedFailures(new Redis(typeof target === 'string' ? target : target.REDIS_URL, {
    ...perRequest,
    enableOfflineQueue: role === 'blocking',
    retryStrategy,
    ...options,
  }));
}

const redisAddress = (url: string) => {
  const { hostname, port } = new URL(url);
  return `${hostname}:${port || 6379}`;
};

/** What every queue factory is given: the connection, QUEUE_PREFIX, and the logger its errors go to (logQueueErrors). */
export interface QueueConnection {
  connection: RedisClient;
  prefix: string;
  logger: Logger;
}

/**
 * A BullMQ queue re-emits its connection's errors, and one nobody listens to goes to console.error
 * as a bare stack. The connection's own listener already logs a lost Redis (warn), so the queue's
 * copy of it is debug; anything else the queue reports is a warn.
 */
export function logQueueErrors(queue: QueueBase, logger: Logger): void {
  queue.on('error', (error: Error) => {
    logger.log(isInfrastructureError(error) ? 'debug' : 'warn', 'queue error', { queue: queue.name, error: error.message });
  });
}

/**
 * Resolves once Redis (or the Cluster) answers a PING: a process waits here at start-up, so its
 * queues and subscribers start against a Redis that is up. Until then ioredis reconnects every 2 s
 * at most and each failed attempt is reported (reportStoreOutage: which store, where, what to do)
 * and heard by `onWaiting`.
 */
export async function waitForRedis(target: RedisTarget, logger: Logger, onWaiting: () => void = () => undefined): Promise<void> {
  const outage = reportStoreOutage(logger, {
    store: 'redis',
    address: target.REDIS_CLUSTER_NODES ?? redisAddress(target.REDIS_URL),
    hint: target.REDIS_CLUSTER_NODES
      ? 'Start the Redis Cluster nodes, or set REDIS_CLUSTER_NODES to a cluster that runs.'
      : 'Start Redis there (redis-server), or set REDIS_URL to one that runs.',
  });
  const probe = makeRedis(target, 'blocking');
  probe.on('error', (error: Error) => {
    outage.failed(error);
    onWaiting();
  });
  try {
    await probe.ping();
    outage.reachable();
  } finally {
    probe.disconnect();
  }
}
