import type { WebhookDeliveryResource } from '@taskclaim/shared/contracts';
import type { WebhookDeliveryRow } from '../db/webhook-deliveries.repository';

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
