import type { Knex } from 'knex';

/**
 * What a claim request asks for (SPEC §4 "Release and claim-next"): `claim` a given task, `release`
 * one back, or `claim_next`: have the worker pick the task. Releases and claim-next requests are
 * claim requests so that they are accepted, queued, decided, waited for and reported the same way.
 *
 * A claim-next request has no task until it is decided (task_id null while queued), and may be
 * narrowed to some departments (`department_ids`: the `department_id` it gave, or an integration
 * token's departments); null means all of the operator's departments.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('claim_requests', (t) => {
    t.text('action').notNullable().defaultTo('claim');
    t.specificType('department_ids', 'bigint[]').nullable();
    t.bigInteger('task_id').nullable().alter();
  });
  await knex.raw(`ALTER TABLE claim_requests ADD CONSTRAINT claim_requests_action_check CHECK (action IN ('claim', 'release', 'claim_next'))`);
  await knex.raw(`ALTER TABLE claim_requests ADD CONSTRAINT claim_requests_task_check CHECK (task_id IS NOT NULL OR action = 'claim_next')`);
}

export async function down(knex: Knex): Promise<void> {
  await knex('claim_requests').whereNull('task_id').delete();
  await knex.raw('ALTER TABLE claim_requests DROP CONSTRAINT claim_requests_task_check');
  await knex.schema.alterTable('claim_requests', (t) => {
    t.bigInteger('task_id').notNullable().alter();
    t.dropColumn('department_ids');
    t.dropColumn('action');
  });
}
