import type { Knex } from 'knex';

/**
 * A shift handover (POST /api/workorder-tasks/release-mine/) with an Idempotency-Key: the release
 * requests it made, so a replay of the key answers those same requests (even none) instead of
 * looking at the operator's tasks again. Keys are scoped to the token, as a claim's are.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('release_mine_requests', (t) => {
    t.bigIncrements('id').primary();
    t.integer('token_id').notNullable().references('api_tokens.id').onDelete('CASCADE');
    t.text('idempotency_key').notNullable();
    t.text('request_fingerprint').notNullable();
    t.specificType('claim_ids', 'bigint[]').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['token_id', 'idempotency_key']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('release_mine_requests');
}
