import type { Knex } from 'knex';
import * as claims from '../db/repositories/claims.repository';
import * as tasks from '../db/repositories/tasks.repository';
import * as webhooks from '../db/repositories/webhooks.repository';
import { presentClaimEvent } from '../presenters/webhook.presenter';
import type { WebhookJobData } from '../queue/webhook-queue';

/**
 * Writes the webhook outbox row of a claim that just became terminal, in the transaction that made
 * it so: the event commits with the outcome or not at all. Returns what to enqueue after commit.
 */
export async function recordClaimEvent(trx: Knex.Transaction, claimId: number): Promise<WebhookJobData | undefined> {
  const claim = await claims.findClaim(trx, claimId);
  if (!claim?.callback_url || !claims.isTerminal(claim.status)) return undefined;
  const task = await tasks.findTaskView(trx, claim.task_id);
  const event = await webhooks.insertEvent(trx, {
    claim_id: claim.id,
    url: claim.callback_url,
    token_id: claim.token_id,
    payload: presentClaimEvent(claim, task),
  });
  return event && { eventId: event.id, claimId: claim.id, webhookId: event.webhook_id };
}
