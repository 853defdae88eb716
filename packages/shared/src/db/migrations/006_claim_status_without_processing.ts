import type { Knex } from 'knex';

/**
 * `processing` was never written: a claim goes from `queued` straight to its outcome inside the one
 * transaction that decides it. The CHECK constraint no longer admits it. Should any row still say
 * `processing`, it goes back to `queued`, so the worker decides it like any other.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`UPDATE claim_requests SET status = 'queued' WHERE status = 'processing'`);
  await knex.raw('ALTER TABLE claim_requests DROP CONSTRAINT claim_requests_status_check');
  await knex.raw(`ALTER TABLE claim_requests ADD CONSTRAINT claim_requests_status_check CHECK (status IN ('queued', 'succeeded', 'rejected', 'failed'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE claim_requests DROP CONSTRAINT claim_requests_status_check');
  await knex.raw(`ALTER TABLE claim_requests ADD CONSTRAINT claim_requests_status_check CHECK (status IN ('queued', 'processing', 'succeeded', 'rejected', 'failed'))`);
}
