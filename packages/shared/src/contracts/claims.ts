import { z } from 'zod';
import { CLAIM_ACTIONS, CLAIM_STATUSES, REJECTION_CODES } from '../domain/vocabulary';
import { id, pagedResponse, problemSchema, storable, unicodeMax } from './common';
import { operatorSummary, taskResource } from './tasks';

export const claimRequestBody = z
  .object({
    notes: unicodeMax(500).optional(),
    operator_id: id.optional(),
    callback_url: storable(z.url({ protocol: /^https?$/ }).max(2048)).optional(),
  })
  .strict()
  .meta({ id: 'ClaimRequest' });

export const claimNextRequestBody = claimRequestBody
  .extend({ department_id: id.optional().meta({ description: 'pick only from this department (one of the operator’s)' }) })
  .strict()
  .meta({ id: 'ClaimNextRequest' });
export type ClaimNextRequestBody = z.infer<typeof claimNextRequestBody>;

export const reassignRequestBody = claimRequestBody
  .extend({ operator_id: id.meta({ description: 'the operator the task moves to' }) })
  .strict()
  .meta({ id: 'ReassignRequest' });

export const claimResource = z
  .object({
    claim_id: z.number().int(),
    action: z.enum(CLAIM_ACTIONS),
    task_id: z.number().int().nullable().meta({ description: 'null for a `claim_next` request until it is decided (and when it got no task)' }),
    operator_id: z.number().int().meta({ description: 'the acting operator: for a `reassign`, the target; for an `expire`, the assignee whose lease ran out' }),
    previous_operator_id: z.number().int().nullable().optional().meta({ description: '`reassign` only: who held the task just before it was decided (null: nobody)' }),
    status: z.enum(CLAIM_STATUSES),
    code: z.string().nullable(),
    detail: z.string(),
    already_claimed: z.boolean(),
    notes: z.string(),
    submitted_at: z.string(),
    completed_at: z.string().nullable(),
    assigned_operator: operatorSummary.nullable().optional(),
    task: taskResource.nullable().optional(),
  })
  .meta({ id: 'Claim', description: '`assigned_operator` and `task` (the task as it is now) are shown once the claim is decided.' });
export type ClaimResource = z.infer<typeof claimResource>;

export const releaseMineResult = z
  .object({ count: z.number().int(), results: z.array(claimResource) })
  .meta({ id: 'ReleaseMineResult', description: 'One release request per pending task the operator held, as each stands (decided under `Prefer: wait`).' });
export type ReleaseMineResult = z.infer<typeof releaseMineResult>;

export const claimHistoryPage = pagedResponse(claimResource).meta({
  id: 'ClaimHistoryPage',
  description: "A task's requests (claims, releases, starts, reassigns and lease expiries), oldest first: all of them for admin tokens and integration tokens of its department, an operator's own for an operator token.",
});
export type ClaimHistoryPage = z.infer<typeof claimHistoryPage>;

/** A claim decided against a rule of SPEC §3: a 400 problem that carries the claim. */
export const claimRejection = problemSchema
  .extend({ code: z.enum(REJECTION_CODES), claim_id: z.number().int(), claim: claimResource })
  .meta({ id: 'ClaimRejection', description: 'The claim was decided and rejected by a claim rule; `code` names the rule.' });
export type ClaimRejection = z.infer<typeof claimRejection>;

/** Request headers of the claim endpoints, parsed by the API (http/prefer.ts, claims/idempotency.ts). */
export const idempotencyKeyHeader = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/)
  .meta({ description: '1 to 255 visible ASCII characters, scoped to the token: a retry with the same key and body returns the original claim.' });
export const preferHeader = z.string().meta({
  description: '`wait=N` (N from 0 to 30): hold the request until the claim is decided or N seconds pass. `respond-async`: answer 202 at once; with `wait=N` as well, wait up to N seconds first (RFC 7240).',
  examples: ['wait=10', 'respond-async'],
});

export const MAX_WAIT_SECONDS = 30;
