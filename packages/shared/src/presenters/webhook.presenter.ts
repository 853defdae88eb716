import type { ClaimRow } from '../db/repositories/claims.repository';
import type { TaskView } from '../db/repositories/tasks.repository';
import type { WebhookDeliveryRow } from '../db/repositories/webhooks.repository';
import type { ClaimWebhookEvent, WebhookDeliveryResource, WebhookEventType } from '../contracts/webhooks';
import { presentClaim } from './claim.presenter';

/** The webhook body of a terminal claim. Webhooks are always in English (SPEC §3). */
export function presentClaimEvent(claim: ClaimRow, task?: TaskView): ClaimWebhookEvent {
  return {
    type: `claim.${claim.status}` as WebhookEventType,
    timestamp: (claim.completed_at ?? new Date()).toISOString(),
    data: presentClaim(claim, 'en', task),
  };
}

export function presentDelivery(row: WebhookDeliveryRow): WebhookDeliveryResource {
  return {
    webhook_id: row.webhook_id,
    attempt: row.attempt,
    attempted_at: row.attempted_at.toISOString(),
    status_code: row.status_code,
    error: row.error,
    duration_ms: row.duration_ms,
    next_attempt_at: row.next_attempt_at ? row.next_attempt_at.toISOString() : null,
  };
}
