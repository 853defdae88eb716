import type { Knex } from 'knex';
import * as initialSchema from './001_initial_schema';
import * as idempotencyKeys from './002_idempotency_keys';

/** Listed here rather than read from disk, so tsx, jest and a bundle all load the same migrations. */
const MIGRATIONS: Record<string, Knex.Migration> = {
  '001_initial_schema': initialSchema,
  '002_idempotency_keys': idempotencyKeys,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(MIGRATIONS).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => MIGRATIONS[name],
};
