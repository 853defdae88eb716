import type { Knex } from 'knex';

/**
 * Every page of the paginated lists comes off an index in list order, however deep (a page over
 * 100,000 rows is an index walk, never a sequential scan and a sort of them all):
 * - notifications, newest first: (operator_id, created_at DESC, id DESC) replaces (operator_id, created_at),
 *   which needed a sort of all the operator's notifications for the id tie-break;
 * - a task's history, oldest first: (task_id, id) replaces (task_id).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX notifications_operator_newest_idx ON notifications (operator_id, created_at DESC, id DESC)');
  await knex.raw('DROP INDEX IF EXISTS notifications_operator_id_created_at_index');
  await knex.raw('CREATE INDEX claim_requests_task_history_idx ON claim_requests (task_id, id)');
  await knex.raw('DROP INDEX IF EXISTS claim_requests_task_idx');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX claim_requests_task_idx ON claim_requests (task_id)');
  await knex.raw('DROP INDEX IF EXISTS claim_requests_task_history_idx');
  await knex.raw('CREATE INDEX notifications_operator_id_created_at_index ON notifications (operator_id, created_at)');
  await knex.raw('DROP INDEX IF EXISTS notifications_operator_newest_idx');
}
