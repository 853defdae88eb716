import knex, { type Knex } from 'knex';
import pg from 'pg';
import { DatabaseUnavailableError, InfrastructureError, isInfrastructureError } from '../runtime/infrastructure-errors';
import type { Logger } from '../runtime/logger';
import { reportStoreOutage, type StoreAtStartUp } from '../runtime/store-outage';
import { migrationSource } from './migrations';

// Ids are bigint columns bounded by the API to 2^53 - 1, and counts are small: both fit a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
const parseInt8Array = pg.types.getTypeParser(1016 as never) as (value: string) => (string | null)[];
pg.types.setTypeParser(1016 as never, (value: string) => parseInt8Array(value).map(Number));

export type Db = Knex;

/** A statement PostgreSQL did not answer within the request's time limit (DATABASE_TIMEOUT_MS). */
export class DatabaseTimeoutError extends DatabaseUnavailableError {
  constructor(timeoutMs: number) {
    super(`PostgreSQL did not answer within ${timeoutMs} ms`);
  }
}

type PgConnection = pg.Client & { connection: { stream: { destroy(error: Error): void; destroyed: boolean } } };
type QueryCallback = (error: Error | null, result?: pg.QueryResult) => void;

/**
 * A statement's error, named when it is the connection's: pg fails the statements of a connection
 * whose socket closed or errored with a bare `Error` ("Connection terminated unexpectedly", "Client
 * has encountered a connection error and is not queryable"). What PostgreSQL itself answered is a
 * `pg.DatabaseError` with its SQLSTATE `code`, and stays as it is.
 */
function statementError(connection: PgConnection, error: Error): Error {
  if (error instanceof pg.DatabaseError || error instanceof InfrastructureError || !connection.connection.stream.destroyed) return error;
  return new DatabaseUnavailableError(`PostgreSQL connection lost: ${error.message}`, { cause: error });
}

/**
 * A failed connect, named: pg rejects a connect that got no answer within connectionTimeoutMillis
 * with a bare `Error('timeout expired')`, and one the server closed during start-up with "Connection
 * terminated unexpectedly". Errors with a `code` (ECONNREFUSED, PostgreSQL's 57P03 "starting up",
 * 28P01 a wrong password) stay as they are: the code says what they are.
 */
function connectError(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof InfrastructureError || typeof (error as { code?: unknown }).code === 'string') return error;
  return new DatabaseUnavailableError(`could not connect to PostgreSQL: ${error.message}`, { cause: error });
}

/**
 * A connection whose statement goes unanswered for `timeoutMs` (a frozen server, a half-open TCP
 * connection) is closed, not just given up on: pg's own query_timeout would leave the statement on
 * the wire, so the ROLLBACK knex sends next, and every later user of that pooled connection, would
 * queue behind it and wait their own full timeout. Closed, they fail at once (an infrastructure
 * error: 503 + Retry-After), knex marks the connection disposed, and the pool opens a fresh one.
 * PostgreSQL rolls back whatever transaction it had open on it: a transaction commits or not at all.
 * Every pool gets the naming of a lost connection's errors; only request-path pools get the time limit.
 */
function superviseStatements(connection: PgConnection, timeoutMs: number | undefined): void {
  // knex always calls query(config, callback)
  const query = connection.query.bind(connection) as unknown as (config: pg.QueryConfig, callback: QueryCallback) => void;
  (connection as unknown as { query: typeof query }).query = (config, callback) => {
    const timer = timeoutMs ? setTimeout(() => connection.connection.stream.destroy(new DatabaseTimeoutError(timeoutMs)), timeoutMs) : undefined;
    query(config, (error, result) => {
      clearTimeout(timer);
      callback(error && statementError(connection, error), result);
    });
  };
}

/**
 * `timeoutMs` (DATABASE_TIMEOUT_MS, request-path pools) bounds every wait on PostgreSQL: for a pool
 * connection, for a new connection, and for each statement's answer (the server's statement_timeout
 * stops the work of a statement we stopped waiting for). Without it (workers, migrations) statements
 * run as long as they take: a worker waits out an outage and carries on.
 */
export function makeDb(databaseUrl: string, options: { min?: number; max?: number; timeoutMs?: number } = {}): Db {
  const { timeoutMs } = options;
  const db = knex({
    client: 'pg',
    connection: timeoutMs
      ? { connectionString: databaseUrl, connectionTimeoutMillis: timeoutMs, statement_timeout: timeoutMs, keepAlive: true }
      : databaseUrl,
    pool: {
      min: options.min ?? 0,
      max: options.max ?? 10,
      afterCreate: (connection: PgConnection, done: (error: Error | null, connection: PgConnection) => void) => {
        superviseStatements(connection, timeoutMs);
        done(null, connection);
      },
    },
    acquireConnectionTimeout: timeoutMs ?? 10_000,
  });
  // knex's pool opens every connection through this method (its pg dialect's `acquireRawConnection`).
  const client = db.client as { acquireRawConnection(): Promise<PgConnection> };
  const connect = client.acquireRawConnection.bind(client);
  client.acquireRawConnection = () => connect().catch((error: unknown) => Promise.reject(connectError(error)));
  return db;
}

function splitDatabaseUrl(databaseUrl: string): { name: string; maintenanceUrl: string } {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  url.pathname = '/postgres';
  return { name, maintenanceUrl: url.toString() };
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Creates the database named in the URL when it does not exist yet (a fresh machine's first start). */
export async function ensureDatabase(databaseUrl: string, template?: string): Promise<void> {
  const { name, maintenanceUrl } = splitDatabaseUrl(databaseUrl);
  const client = new pg.Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return;
    const from = template ? ` TEMPLATE ${quoteIdentifier(template)}` : '';
    await client.query(`CREATE DATABASE ${quoteIdentifier(name)}${from}`).catch((error: { code?: string }) => {
      // Another process created it between our check and our CREATE.
      if (error.code !== '42P04') throw error;
    });
  } finally {
    await client.end();
  }
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  const { name, maintenanceUrl } = splitDatabaseUrl(databaseUrl);
  const client = new pg.Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

export async function migrateLatest(db: Db): Promise<void> {
  await db.migrate.latest({ migrationSource });
}

/**
 * A process's start: the database created if missing and migrated, through a connection of its own
 * (migrations take as long as they take; a request pool's statements have DATABASE_TIMEOUT_MS).
 */
export async function prepareDatabase(databaseUrl: string): Promise<void> {
  await ensureDatabase(databaseUrl);
  const migrator = makeDb(databaseUrl, { max: 1 });
  try {
    await migrateLatest(migrator);
  } finally {
    await migrator.destroy();
  }
}

/** DATABASE_URL's PostgreSQL, as the start-up lines name it (no credentials). */
export function postgresAt(databaseUrl: string): StoreAtStartUp {
  const { hostname, port } = new URL(databaseUrl);
  return { store: 'postgres', address: `${hostname}:${port || 5432}`, hint: 'Start PostgreSQL there, or set DATABASE_URL to one that runs.' };
}

/** How long a process waits between its attempts to reach PostgreSQL at start-up (ioredis' longest reconnect delay too). */
const START_RETRY_MS = 2_000;

/**
 * `prepareDatabase`, for a long-running process: while PostgreSQL is unreachable (refused, not
 * answering, starting up) it says so, where, and what to do, and tries again every 2 s. Any other
 * failure (a wrong password, a failed migration) is thrown: waiting would not mend it. `onWaiting`
 * hears each failed attempt.
 */
export async function prepareDatabaseWhenReachable(databaseUrl: string, logger: Logger, onWaiting: () => void = () => undefined): Promise<void> {
  const outage = reportStoreOutage(logger, postgresAt(databaseUrl));
  for (;;) {
    try {
      await prepareDatabase(databaseUrl);
      outage.reachable();
      return;
    } catch (error) {
      if (!isInfrastructureError(error)) throw error;
      outage.failed(error);
      onWaiting();
      await new Promise((resolve) => setTimeout(resolve, START_RETRY_MS));
    }
  }
}
