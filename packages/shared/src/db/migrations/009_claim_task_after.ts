import type { Knex } from 'knex';

/**
 * A request's task as that request left it (the task resource, stored with the outcome), so a task's
 * history shows each entry as it was decided rather than as the task is now. Null while queued, for a
 * request without a task, and for requests decided before this column existed.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('claim_requests', (t) => {
    t.jsonb('task_after').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('claim_requests', (t) => {
    t.dropColumn('task_after');
  });
}
