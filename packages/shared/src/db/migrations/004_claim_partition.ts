import type { Knex } from 'knex';

/**
 * The partition a claim was queued to (hash(task_id) mod CLAIM_PARTITIONS at accept time), so a
 * worker can decide the queued claims of its whole partition in one transaction.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('claim_requests', (t) => {
    t.integer('partition').nullable();
  });
  await knex.raw(`CREATE INDEX claim_requests_queued_partition_idx ON claim_requests (partition, id) WHERE status = 'queued'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS claim_requests_queued_partition_idx');
  await knex.schema.alterTable('claim_requests', (t) => {
    t.dropColumn('partition');
  });
}
