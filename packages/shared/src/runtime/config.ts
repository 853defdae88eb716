import { z } from 'zod';

const booleanString = z
  .string()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off']))
  .transform((value) => ['true', '1', 'yes', 'on'].includes(value));

/** winston's levels, plus the names other loggers use for the same thing. */
const LOG_LEVEL_ALIASES: Record<string, string> = { warning: 'warn', fatal: 'error', critical: 'error', trace: 'silly' };
const logLevel = z
  .string()
  .toLowerCase()
  .transform((value) => LOG_LEVEL_ALIASES[value] ?? value)
  .pipe(z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']));

const positiveInt = z.coerce.number().int().positive();

export const configSchema = z.object({
  DATABASE_URL: z.url().default('postgres://postgres@127.0.0.1:5432/taskclaim'),
  /** PostgreSQL connections per process (API or worker): several processes share max_connections. */
  DATABASE_POOL_MAX: positiveInt.max(200).default(10),
  /**
   * How long a request waits for PostgreSQL: for a pool connection, for a new connection, and for the
   * answer to each statement; past it the request is answered 503. Workers and migrations wait on.
   */
  DATABASE_TIMEOUT_MS: positiveInt.min(100).max(60_000).default(2_000),
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  /** How long a request waits for Redis (connect, and each command); BullMQ's blocking worker connections wait on. */
  REDIS_TIMEOUT_MS: positiveInt.min(100).max(60_000).default(2_000),
  /** `host:port,host:port,…`: a Redis Cluster's nodes (any few of them), used instead of REDIS_URL. */
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(/^\s*(?:[\w.-]+|\[[\da-fA-F:.]+\]):\d{1,5}\s*(?:,\s*(?:[\w.-]+|\[[\da-fA-F:.]+\]):\d{1,5}\s*)*$/, 'host:port,host:port,… expected')
    .optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  CLAIM_PARTITIONS: positiveInt.max(1024).default(16),
  MAX_ACTIVE_TASKS: positiveInt.default(10),
  CLAIM_DISPATCH: z.enum(['queue', 'inline']).default('queue'),
  /** Tokens are checked by hash, so only a short, guessable one could be found by trying: 32 characters at least. */
  ADMIN_TOKEN: z
    .string()
    .min(32, 'must be at least 32 characters (a short admin token can be guessed); make one with: openssl rand -hex 32')
    .max(512)
    .optional(),
  LOG_LEVEL: logLevel.default('info'),
  WEBHOOK_MAX_ATTEMPTS: positiveInt.max(50).default(8),
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: booleanString.default(false),
  /** Multiplies the webhook retry delays (tests run the schedule fast); Retry-After is honoured as sent. */
  WEBHOOK_RETRY_SCALE: z.coerce.number().positive().max(1).default(1),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_.:{}-]+$/, 'letters, digits and _ . : { } - only').default('taskclaim'),
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** Per token; high by default because one integration may submit for a whole shift at once. */
  RATE_LIMIT_PER_MINUTE: positiveInt.default(6000),
  /**
   * Requests of one token an API process has in progress at once (SPEC §6); the excess is answered 429.
   * Long-polls stop counting once they wait, and streams never count: they have their own caps.
   */
  MAX_CONCURRENT_PER_TOKEN: positiveInt.default(32),
  /** Open GET /api/events streams of one token in an API process; one more is answered 429. */
  MAX_STREAMS_PER_TOKEN: positiveInt.default(10),
  /** Open HTTP connections an API process holds; past it new connections are closed at once (keeps file descriptors for PostgreSQL and Redis). */
  MAX_CONNECTIONS: positiveInt.default(10_000),
  /** Requests of one token an API process holds waiting (`Prefer: wait`) at once; past it a wait is answered at once. */
  MAX_WAITS_PER_TOKEN: positiveInt.default(1000),
  /** How often an open GET /api/events stream gets a keep-alive comment (SPEC §4: at least every 25 s) and its scope is read again. */
  EVENTS_KEEP_ALIVE_MS: positiveInt.max(25_000).default(15_000),
  /** Claims left `queued` this long are enqueued again by the reconciler. */
  RECONCILE_AFTER_MS: positiveInt.default(15_000),
  RECONCILE_INTERVAL_MS: positiveInt.default(5_000),
  /** How often each worker looks for lapsed claim leases, the backstop of the leases' delayed jobs (SPEC: released within 10 s). */
  LEASE_SWEEP_INTERVAL_MS: positiveInt.max(5_000).default(2_000),
  /** How long a worker's job lock lives without renewal: a killed worker's partition resumes after about this long. */
  CLAIM_LOCK_MS: positiveInt.min(1000).default(5_000),
  CLAIM_ATTEMPTS: positiveInt.max(100).default(12),
});

export type Config = Readonly<z.infer<typeof configSchema>>;

export class ConfigError extends Error {
  constructor(issues: string[]) {
    super(`Invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once into a frozen object; a bad value names the variable. */
export function parseConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = configSchema.safeParse(present);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  return Object.freeze(result.data);
}
