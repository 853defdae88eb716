import { z } from 'zod';
import { claimResource } from '@taskclaim/shared/contracts';

/** GET /api/events (SPEC §4 "Live events"): what each Server-Sent Event carries as `data`. */
export const taskClaimedEvent = z
  .object({ task_id: z.number().int(), operator_id: z.number().int(), username: z.string(), claim_id: z.number().int() })
  .meta({ id: 'TaskClaimedEvent', description: '`event: task.claimed` — a task of one of the caller’s departments was claimed (by a claim or a claim-next request).' });
export type TaskClaimedEvent = z.infer<typeof taskClaimedEvent>;

export const RELEASE_REASONS = ['released', 'lease_expired', 'reassigned'] as const;

export const taskReleasedEvent = z
  .object({ task_id: z.number().int(), operator_id: z.number().int(), claim_id: z.number().int(), reason: z.enum(RELEASE_REASONS) })
  .meta({
    id: 'TaskReleasedEvent',
    description:
      '`event: task.released` — a task of one of the caller’s departments left `operator_id`: `released` by them (also through release-mine), `lease_expired`, or `reassigned` by a supervisor.',
  });
export type TaskReleasedEvent = z.infer<typeof taskReleasedEvent>;

export const taskStartedEvent = z
  .object({ task_id: z.number().int(), operator_id: z.number().int(), claim_id: z.number().int() })
  .meta({ id: 'TaskStartedEvent', description: '`event: task.started` — work on a task of one of the caller’s departments started.' });
export type TaskStartedEvent = z.infer<typeof taskStartedEvent>;

export const LIVE_EVENT_TYPES = ['task.claimed', 'task.released', 'task.started', 'claim.decided'] as const;
export type LiveEventType = (typeof LIVE_EVENT_TYPES)[number];

/** One event of the stream, as the SDK yields it: its type, id and data. */
export const liveEvent = z
  .discriminatedUnion('event', [
    z.object({ event: z.literal('task.claimed'), id: z.string(), data: taskClaimedEvent }),
    z.object({ event: z.literal('task.released'), id: z.string(), data: taskReleasedEvent }),
    z.object({ event: z.literal('task.started'), id: z.string(), data: taskStartedEvent }),
    z.object({ event: z.literal('claim.decided'), id: z.string(), data: claimResource }),
  ])
  .meta({
    id: 'LiveEvent',
    description:
      'One Server-Sent Event of GET /api/events: `event:` names it, `id:` identifies it, `data:` is this JSON. ' +
      '`claim.decided` carries the claim resource (English) of one of the caller’s own requests.',
  });
