import { z } from 'zod';
import { claimResource } from './claims';

const WEBHOOK_EVENT_TYPES = ['claim.succeeded', 'claim.rejected', 'claim.failed'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The body POSTed to a claim's callback_url, signed per Standard Webhooks. */
export const claimWebhookEvent = z.object({
  type: z.enum(WEBHOOK_EVENT_TYPES),
  timestamp: z.string(),
  data: claimResource,
});
export type ClaimWebhookEvent = z.infer<typeof claimWebhookEvent>;

/** One delivery attempt, as GET /api/claims/{claim_id}/deliveries lists it. */
const webhookDeliveryResource = z.object({
  webhook_id: z.string(),
  attempt: z.number().int(),
  attempted_at: z.string(),
  status_code: z.number().int().nullable(),
  error: z.string().nullable(),
  duration_ms: z.number().int().nullable(),
  next_attempt_at: z.string().nullable(),
});
export type WebhookDeliveryResource = z.infer<typeof webhookDeliveryResource>;

export const webhookDeliveryList = z.object({ results: z.array(webhookDeliveryResource) });
