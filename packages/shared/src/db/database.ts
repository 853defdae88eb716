import knex, { type Knex } from 'knex';
import pg from 'pg';
import { migrationSource } from './migrations';

// Ids are bigint columns bounded by the API to 2^53 - 1, and counts are small: both fit a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
const parseInt8Array = pg.types.getTypeParser(1016 as never) as (value: string) => (string | null)[];
pg.types.setTypeParser(1016 as never, (value: string) => parseInt8Array(value).map(Number));

export type Db = Knex;

export function makeDb(databaseUrl: string, pool: { min?: number; max?: number } = {}): Db {
  return knex({
    client: 'pg',
    connection: databaseUrl,
    pool: { min: pool.min ?? 0, max: pool.max ?? 10 },
    acquireConnectionTimeout: 10_000,
  });
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
