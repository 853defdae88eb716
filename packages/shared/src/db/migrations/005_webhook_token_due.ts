import type { Knex } from 'knex';

/**
 * The due pending events of one token, oldest first: a dispatcher that parked a token's deliveries
 * (the token already held its share of the delivery slots) hands them back from here, and the
 * reconciler takes a bounded number per token.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE INDEX webhook_events_token_due_idx ON webhook_events (token_id, next_attempt_at, id) WHERE status = 'pending'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS webhook_events_token_due_idx');
}
