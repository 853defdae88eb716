import type { Knex } from 'knex';
import { type ClaimRow } from '@taskclaim/shared/db';
import { isReadablePage } from '@taskclaim/shared/domain';

/**
 * The claim requests as only the API reads them: by Idempotency-Key, a task's history, and the queued
 * claims inline dispatch decides. (Claims are stored, locked and decided in the shared claims repository.)
 */

export async function findClaimByIdempotencyKey(db: Knex, tokenId: number, key: string): Promise<ClaimRow | undefined> {
  return db<ClaimRow>('claim_requests').where({ token_id: tokenId, idempotency_key: key }).first();
}

/** A task's claim requests in accept order, one page of them; `operatorId`: only that operator's. */
export async function pageClaimsOfTask(
  db: Knex,
  taskId: number,
  page: { offset: number; limit: number },
  operatorId?: number,
): Promise<{ count: number; results: ClaimRow[] }> {
  const ofTask = () => {
    const query = db<ClaimRow>('claim_requests').where({ task_id: taskId });
    return operatorId === undefined ? query : query.where({ operator_id: operatorId });
  };
  const [{ count }] = await ofTask().count({ count: '*' });
  // A page past the end or too deep (MAX_LIST_DEPTH) reads nothing; any other comes off claim_requests_task_history_idx in order.
  const results = isReadablePage(page, Number(count)) ? await ofTask().orderBy('id').offset(page.offset).limit(page.limit) : [];
  return { count: Number(count), results };
}

/**
 * Every queued claim of these tasks, and these claims (claim-next requests just stored), locked in
 * accept order (inline dispatch decides them with the claims it just stored: the transaction holds
 * the tasks' accept locks, so no other claim of them is on its way).
 */
export async function lockQueuedClaimsOfTasks(trx: Knex.Transaction, taskIds: number[], claimIds: number[] = []): Promise<ClaimRow[]> {
  return trx<ClaimRow>('claim_requests')
    .where({ status: 'queued' })
    .where((query) => query.whereIn('task_id', taskIds).orWhereIn('id', claimIds))
    .orderBy('id')
    .forUpdate();
}
