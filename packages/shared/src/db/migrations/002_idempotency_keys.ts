import type { Knex } from 'knex';

/**
 * Idempotency-Key on claim submission, scoped to the token. Keys live as long as their claim rows
 * (claims are never purged), which is more than the 24 hours promised in the README.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('claim_requests', (t) => {
    t.text('idempotency_key').nullable();
    t.text('request_fingerprint').nullable();
  });
  await knex.raw(`CREATE UNIQUE INDEX claim_requests_idempotency_idx ON claim_requests (token_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS claim_requests_idempotency_idx');
  await knex.schema.alterTable('claim_requests', (t) => {
    t.dropColumn('idempotency_key');
    t.dropColumn('request_fingerprint');
  });
}
