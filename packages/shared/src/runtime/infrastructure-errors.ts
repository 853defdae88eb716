/**
 * Errors that mean PostgreSQL or Redis is unreachable or restarting, as opposed to a bug or a bad
 * request: the API answers them with 503 + Retry-After, the worker retries them with backoff.
 */
const PG_UNAVAILABLE_CODES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
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
const MESSAGE_PATTERNS = [
  /Connection terminated/i,
  /Connection is closed/i,
  /Client has encountered a connection error/i,
  /enableOfflineQueue/i,
  /Reached the max retries per request/i,
  /Knex: Timeout acquiring a connection/i,
  /Command timed out/i, // ioredis' commandTimeout (REDIS_TIMEOUT_MS)
  /^timeout expired$/, // pg's connectionTimeoutMillis (DATABASE_TIMEOUT_MS): no answer while connecting
  /the database system is (starting up|shutting down|in recovery mode)/i,
];

export function isInfrastructureError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (PG_UNAVAILABLE_CODES.has(code) || NETWORK_CODES.has(code))) return true;
  if (['KnexTimeoutError', 'MaxRetriesPerRequestError', 'DatabaseTimeoutError'].includes(error.name)) return true;
  return MESSAGE_PATTERNS.some((pattern) => pattern.test(error.message));
}
