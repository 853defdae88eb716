import { z } from 'zod';
import { CLAIM_STATUSES } from '../db/repositories/claims.repository';
import { id, unicodeMax } from './common';
import { operatorSummary, taskResource } from './tasks';

export const claimRequestBody = z
  .object({
    notes: unicodeMax(500).optional(),
    operator_id: id.optional(),
    callback_url: z.url({ protocol: /^https?$/ }).max(2048).optional(),
  })
  .strict();
export type ClaimRequestBody = z.infer<typeof claimRequestBody>;

export const claimResource = z.object({
  claim_id: z.number().int(),
  task_id: z.number().int(),
  operator_id: z.number().int(),
  status: z.enum(CLAIM_STATUSES),
  code: z.string().nullable(),
  detail: z.string(),
  already_claimed: z.boolean(),
  notes: z.string(),
  submitted_at: z.string(),
  completed_at: z.string().nullable(),
  assigned_operator: operatorSummary.nullable().optional(),
  task: taskResource.nullable().optional(),
});
export type ClaimResource = z.infer<typeof claimResource>;

export const MAX_WAIT_SECONDS = 30;
