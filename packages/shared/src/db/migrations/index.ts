import type { Knex } from 'knex';
import * as initialSchema from './001_initial_schema';
import * as idempotencyKeys from './002_idempotency_keys';
import * as webhookOutbox from './003_webhook_outbox';
import * as claimPartition from './004_claim_partition';
import * as webhookTokenDue from './005_webhook_token_due';
import * as claimStatusWithoutProcessing from './006_claim_status_without_processing';
import * as claimActions from './007_claim_actions';
import * as dispatch from './008_dispatch';
import * as claimTaskAfter from './009_claim_task_after';
import * as releaseMine from './010_release_mine';
import * as listIndexes from './011_list_indexes';

/** Listed here rather than read from disk, so tsx, jest and a bundle all load the same migrations. */
const MIGRATIONS: Record<string, Knex.Migration> = {
  '001_initial_schema': initialSchema,
  '002_idempotency_keys': idempotencyKeys,
  '003_webhook_outbox': webhookOutbox,
  '004_claim_partition': claimPartition,
  '005_webhook_token_due': webhookTokenDue,
  '006_claim_status_without_processing': claimStatusWithoutProcessing,
  '007_claim_actions': claimActions,
  '008_dispatch': dispatch,
  '009_claim_task_after': claimTaskAfter,
  '010_release_mine': releaseMine,
  '011_list_indexes': listIndexes,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(MIGRATIONS).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => MIGRATIONS[name],
};
