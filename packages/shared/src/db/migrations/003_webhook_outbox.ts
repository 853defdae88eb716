import type { Knex } from 'knex';

const WEBHOOK_EVENT_STATUSES = "('pending', 'delivered', 'failed', 'gone')";

/**
 * The webhook outbox: one row per terminal claim with a callback_url, written in the claim's own
 * transaction, so a crash after commit loses no webhook. Delivery attempts go to webhook_deliveries.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('webhook_events', (t) => {
    t.bigIncrements('id').primary();
    // Exactly one event, hence one webhook id, per claim.
    t.bigInteger('claim_id').notNullable().unique().references('claim_requests.id').onDelete('CASCADE');
    t.text('webhook_id').notNullable().unique();
    t.text('url').notNullable();
    t.integer('token_id').nullable().references('api_tokens.id').onDelete('SET NULL');
    t.jsonb('payload').notNullable();
    t.text('status').notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true }).nullable().defaultTo(knex.fn.now());
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('delivered_at', { useTz: true }).nullable();
  });
  await knex.raw(`ALTER TABLE webhook_events ADD CONSTRAINT webhook_events_status_check CHECK (status IN ${WEBHOOK_EVENT_STATUSES})`);
  // The reconciler looks for pending events whose attempt is overdue.
  await knex.raw(`CREATE INDEX webhook_events_due_idx ON webhook_events (next_attempt_at) WHERE status = 'pending'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('webhook_events');
}
