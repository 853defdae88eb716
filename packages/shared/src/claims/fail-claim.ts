import type { Knex } from 'knex';
import * as claims from '../db/repositories/claims.repository';
import * as tasks from '../db/repositories/tasks.repository';
import type { DecidedClaim } from '../queue/claim-events';
import { recordClaimEvent } from './record-claim-event';

/**
 * The claim cannot be applied: it ends `failed`, with its claim.failed webhook event in the same
 * transaction. Undefined when something decided it meanwhile.
 */
export async function failClaim(db: Knex, claimId: number, reason: string): Promise<DecidedClaim | undefined> {
  return db.transaction(async (trx) => {
    const claim = await claims.markClaimFailed(trx, claimId, reason);
    if (!claim) return undefined;
    const task = claim.task_id === null ? undefined : await tasks.findTaskView(trx, claim.task_id);
    return { claim, task, webhook: await recordClaimEvent(trx, claim, task) };
  });
}
