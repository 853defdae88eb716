/** The words of the claim protocol: what the tables store, the wire schemas carry and the rules decide. */

export const TASK_STATUSES = ['draft', 'pending', 'in_progress', 'completed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Statuses that count towards an operator's limit, and that can be claimed. */
export const ACTIVE_TASK_STATUSES: readonly TaskStatus[] = ['pending', 'in_progress'];

export const REJECTION_CODES = [
  'operator_inactive',
  'task_not_found',
  'task_draft',
  'task_completed',
  'task_cancelled',
  'task_no_department',
  'not_in_department',
  'missing_skill',
  'already_claimed',
  'capacity_reached',
  // releases (decide-release.ts)
  'not_assignee',
  'task_not_releasable',
  // claim-next (decide-claim-next.ts)
  'no_claimable_task',
  // start (decide-start.ts)
  'task_not_startable',
  // lease expiry (decide-expire.ts)
  'lease_not_expired',
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

export const CLAIM_STATUSES = ['queued', 'succeeded', 'rejected', 'failed'] as const;
export type ClaimStatus = (typeof CLAIM_STATUSES)[number];
/**
 * What a claim request asks for (SPEC §4): claim a given task, release one, have the worker pick one,
 * start one, move one to another operator (reassign), or give one back whose lease ran out (expire,
 * submitted by the lease sweep, not by a token).
 */
export const CLAIM_ACTIONS = ['claim', 'claim_next', 'release', 'start', 'reassign', 'expire'] as const;
export type ClaimAction = (typeof CLAIM_ACTIONS)[number];
const TERMINAL_CLAIM_STATUSES: readonly ClaimStatus[] = ['succeeded', 'rejected', 'failed'];
export const isTerminal = (status: ClaimStatus): boolean => TERMINAL_CLAIM_STATUSES.includes(status);

export const TOKEN_KINDS = ['operator', 'integration', 'admin'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

/** A successful claim notifies its operator of the assignment, a successful release of the release. */
export const NOTIFICATION_TYPES = ['task_assigned', 'task_released'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];
