import { tasksRepo, type Db } from '@taskclaim/shared/db';
import { recordClaimEvent } from '@taskclaim/shared';
import { type DecidedClaim } from '@taskclaim/shared/queue';
import { markClaimFailed } from './queued-claims.repository';

/**
 * The claim cannot be applied: it ends `failed`, with its claim.failed webhook event in the same
 * transaction. Undefined when something decided it meanwhile. Only the worker fails claims (a batch
 * that threw, or a job whose attempts are spent).
 */
export async function failClaim(db: Db, claimId: number, reason: string): Promise<DecidedClaim | undefined> {
  return db.transaction(async (trx) => {
    const claim = await markClaimFailed(trx, claimId, reason);
    if (!claim) return undefined;
    const task = claim.task_id === null ? undefined : await tasksRepo.findTaskView(trx, claim.task_id);
    return { claim, task, webhook: await recordClaimEvent(trx, claim, task) };
  });
}
