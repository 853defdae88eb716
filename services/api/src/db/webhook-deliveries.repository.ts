import type { Knex } from 'knex';

/** A claim's webhook delivery attempts, as only the API reads them. (The worker's dispatcher records them.) */

export interface WebhookDeliveryRow {
  id: number;
  claim_id: number;
  webhook_id: string;
  attempt: number;
  attempted_at: Date;
  status_code: number | null;
  error: string | null;
  duration_ms: number | null;
  next_attempt_at: Date | null;
}

export async function listDeliveries(db: Knex, claimId: number): Promise<WebhookDeliveryRow[]> {
  return db<WebhookDeliveryRow>('webhook_deliveries').where({ claim_id: claimId }).orderBy([{ column: 'attempt' }, { column: 'id' }]);
}
