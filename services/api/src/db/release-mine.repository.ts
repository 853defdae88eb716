import type { Knex } from 'knex';

/** A release-mine request made with an Idempotency-Key, and the release requests it made. */
export interface ReleaseMineRow {
  id: number;
  token_id: number;
  idempotency_key: string;
  request_fingerprint: string;
  claim_ids: number[];
  created_at: Date;
}

export async function findByIdempotencyKey(db: Knex, tokenId: number, key: string): Promise<ReleaseMineRow | undefined> {
  return db<ReleaseMineRow>('release_mine_requests').where({ token_id: tokenId, idempotency_key: key }).first();
}

/** Records it, unless a concurrent request with the same key did first: then that one's row. */
export async function record(db: Knex, row: Pick<ReleaseMineRow, 'token_id' | 'idempotency_key' | 'request_fingerprint' | 'claim_ids'>): Promise<ReleaseMineRow> {
  const [inserted] = await db<ReleaseMineRow>('release_mine_requests').insert(row).onConflict(['token_id', 'idempotency_key']).ignore().returning('*');
  return inserted ?? ((await findByIdempotencyKey(db, row.token_id, row.idempotency_key)) as ReleaseMineRow);
}
