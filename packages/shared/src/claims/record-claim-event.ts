import type { Knex } from 'knex';
import type { ClaimRow } from '../db/repositories/claims.repository';
import type { TaskView } from '../db/repositories/tasks.repository';
import * as webhooks from '../db/repositories/webhooks.repository';
import { presentClaimEvent } from '../presenters/webhook.presenter';
import { webhookJobOf, type WebhookJobData } from '../queue/webhook-queue';

/**
 * Writes the webhook outbox row of a claim that just became terminal, in the transaction that made
 * it so, from the rows that transaction holds: the event commits with the outcome or not at all.
 * Returns what to enqueue after commit.
 */
export async function recordClaimEvent(trx: Knex.Transaction, claim: ClaimRow, task: TaskView | undefined): Promise<WebhookJobData | undefined> {
  if (!claim.callback_url) return undefined;
  const event = await webhooks.insertEvent(trx, {
    claim_id: claim.id,
    url: claim.callback_url,
    token_id: claim.token_id,
    payload: presentClaimEvent(claim, task),
  });
  return event && webhookJobOf(event);
}
