import { types } from 'node:util';

/**
 * Errors that mean PostgreSQL or Redis is unreachable or restarting, as opposed to a bug or a bad
 * request: the API answers them with 503 + Retry-After, the worker retries them with backoff.
 *
 * Classified by class and by code, never by message text. pg and ioredis raise some of these
 * failures as a bare `Error` (pg: "Connection terminated unexpectedly", "timeout expired", "Client
 * has encountered a connection error…"; ioredis: "Connection is closed.", "Command timed out",
 * "…enableOfflineQueue…"), so the adapters that own the clients wrap them, where the client's state
 * says what happened, into the named classes below: `makeDb` (packages/shared/src/db/database.ts)
 * and `makeRedis` (packages/shared/src/queue/redis.ts).
 */
export class InfrastructureError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** PostgreSQL could not be reached, dropped the connection, or did not answer in time. */
export class DatabaseUnavailableError extends InfrastructureError {}

/** Redis could not be reached, the connection is closed, or a command was not answered in time. */
export class RedisUnavailableError extends InfrastructureError {}

const PG_UNAVAILABLE_CODES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: the database system is starting up, shutting down, in recovery
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '53300', // too_many_connections
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '57014', // query_canceled: statement_timeout (DATABASE_TIMEOUT_MS)
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
/** Third-party classes, by name: knex's pool timeout, ioredis' retries given up on a reconnecting connection, a Cluster none of whose nodes answers. */
const UNAVAILABLE_CLASS_NAMES = new Set(['KnexTimeoutError', 'MaxRetriesPerRequestError', 'ClusterAllFailedError']);

export function isInfrastructureError(error: unknown): boolean {
  // isNativeError: Node's own errors (a socket's ECONNREFUSED) come from another realm under jest's vm
  if (!(error instanceof Error || types.isNativeError(error))) return false;
  if (error instanceof InfrastructureError || UNAVAILABLE_CLASS_NAMES.has(error.name)) return true;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (PG_UNAVAILABLE_CODES.has(code) || NETWORK_CODES.has(code));
}
