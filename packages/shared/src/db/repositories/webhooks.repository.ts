import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';

export const WEBHOOK_EVENT_STATUSES = ['pending', 'delivered', 'failed', 'gone'] as const;
export type WebhookEventStatus = (typeof WEBHOOK_EVENT_STATUSES)[number];

export interface WebhookEventRow {
  id: number;
  claim_id: number;
  webhook_id: string;
  url: string;
  token_id: number | null;
  payload: unknown;
  status: WebhookEventStatus;
  attempts: number;
  next_attempt_at: Date | null;
  created_at: Date;
  delivered_at: Date | null;
}

export interface NewWebhookEvent {
  claim_id: number;
  url: string;
  token_id: number | null;
  payload: unknown;
}

/** Standard Webhooks message ids look like `msg_…`; no `:` so the id is also a valid BullMQ job id. */
export const newWebhookId = (): string => `msg_${randomBytes(16).toString('hex')}`;

/** Writes the outbox row inside the claim's transaction; a second event for the same claim is ignored. */
export async function insertEvent(trx: Knex.Transaction, event: NewWebhookEvent): Promise<WebhookEventRow | undefined> {
  const [row]: WebhookEventRow[] = await trx('webhook_events')
    .insert({ ...event, payload: JSON.stringify(event.payload), webhook_id: newWebhookId() })
    .onConflict('claim_id')
    .ignore()
    .returning('*');
  return row;
}
