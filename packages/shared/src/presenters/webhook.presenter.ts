import type { ClaimRow } from '../db/repositories/claims.repository';
import type { TaskView } from '../db/repositories/tasks.repository';
import type { ClaimWebhookEvent, WebhookEventType } from '../contracts/webhooks';
import { presentClaim } from './claim.presenter';

/** The webhook body of a terminal claim. Webhooks are always in English (SPEC §3). */
export function presentClaimEvent(claim: ClaimRow, task?: TaskView): ClaimWebhookEvent {
  return {
    type: `claim.${claim.status}` as WebhookEventType,
    timestamp: (claim.completed_at ?? new Date()).toISOString(),
    data: presentClaim(claim, 'en', task),
  };
}
