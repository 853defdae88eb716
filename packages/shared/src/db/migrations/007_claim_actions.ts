import type { Knex } from 'knex';

/**
 * What a claim request asks for (SPEC §4 "Release and claim-next"): `claim` a given task, `release`
 * one back. Releases are claim requests so that they go through the same partitions and are decided
 * in acceptance order with the claims of their task.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('claim_requests', (t) => {
    t.text('action').notNullable().defaultTo('claim');
  });
  await knex.raw(`ALTER TABLE claim_requests ADD CONSTRAINT claim_requests_action_check CHECK (action IN ('claim', 'release'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('claim_requests', (t) => {
    t.dropColumn('action');
  });
}
