import type { Knex } from 'knex';
import * as claims from '../db/repositories/claims.repository';
import type { WebhookJobData } from '../queue/webhook-queue';
import { recordClaimEvent } from './record-claim-event';

export interface FailClaimResult {
  /** false when something decided the claim meanwhile */
  marked: boolean;
  webhook?: WebhookJobData;
}

/** Retries are spent: the claim ends `failed`, with its claim.failed webhook event in the same transaction. */
export async function failClaim(db: Knex, claimId: number, reason: string): Promise<FailClaimResult> {
  return db.transaction(async (trx) => {
    const marked = await claims.markClaimFailed(trx, claimId, reason);
    return marked ? { marked, webhook: await recordClaimEvent(trx, claimId) } : { marked };
  });
}
