import type { ClaimRow } from '../db/repositories/claims.repository';
import type { ClaimAction } from '../domain/vocabulary';
import type { TaskView } from '../db/repositories/tasks.repository';
import type { ClaimResource } from '../contracts/claims';
import { renderMessage, type Language, type MessageKey } from '../domain/messages';
import type { ClaimParams } from '../domain/decide-claim';
import { presentTask } from './task.presenter';

type Texts = { queued: MessageKey; succeeded: MessageKey; unchanged: MessageKey };
const CLAIM_TEXTS: Texts = { queued: 'claim_queued', succeeded: 'claim_succeeded', unchanged: 'claim_already_yours' };
/** What each action's request says while queued, once it changed the task, and once it succeeded changing nothing. */
const ACTION_TEXTS: Record<ClaimAction, Texts> = {
  claim: CLAIM_TEXTS,
  claim_next: CLAIM_TEXTS,
  release: { queued: 'release_queued', succeeded: 'release_succeeded', unchanged: 'release_succeeded' },
  start: { queued: 'start_queued', succeeded: 'start_succeeded', unchanged: 'start_already' },
  reassign: { queued: 'reassign_queued', succeeded: 'reassign_succeeded', unchanged: 'reassign_already' },
  expire: { queued: 'expire_queued', succeeded: 'expire_succeeded', unchanged: 'expire_succeeded' },
};

/**
 * not_assignee names the current assignee, or, without one, says the task is unassigned; each action in
 * its own words. To a caller that does not see the task (`holderHidden`) it says neither.
 */
function notAssigneeKey(action: ClaimAction, assigned: boolean, holderHidden: boolean): MessageKey {
  if (action === 'expire') return 'lease_superseded';
  if (action === 'start') return holderHidden ? 'not_assignee_start_hidden' : assigned ? 'not_assignee_start' : 'not_assignee_start_unassigned';
  return holderHidden ? 'not_assignee_hidden' : assigned ? 'not_assignee' : 'not_assignee_unassigned';
}

function messageKeyOf(claim: Pick<ClaimRow, 'action' | 'status' | 'already_claimed' | 'code' | 'params'>, holderHidden: boolean): MessageKey {
  const texts = ACTION_TEXTS[claim.action];
  switch (claim.status) {
    case 'queued':
      return texts.queued;
    case 'succeeded':
      return claim.already_claimed ? texts.unchanged : texts.succeeded;
    case 'failed':
      return 'claim_failed';
    case 'rejected':
      return claim.code === 'not_assignee' ? notAssigneeKey(claim.action, claim.params.username !== undefined, holderHidden) : (claim.code as MessageKey);
  }
}

function claimDetail(claim: Pick<ClaimRow, 'action' | 'status' | 'already_claimed' | 'code' | 'params'>, language: Language, holderHidden: boolean): string {
  return renderMessage(messageKeyOf(claim, holderHidden), claim.params as ClaimParams, language);
}

/**
 * `task` is the task as it is now; it is shown once the claim is decided. `holderHidden`: the caller
 * does not see the task (SPEC §4 Scope), so a not_assignee detail does not name who holds it.
 */
export function presentClaim(claim: ClaimRow, language: Language, task?: TaskView, options: { holderHidden?: boolean } = {}): ClaimResource {
  const resource: ClaimResource = {
    claim_id: claim.id,
    action: claim.action,
    task_id: claim.task_id,
    operator_id: claim.operator_id,
    status: claim.status,
    code: claim.code,
    detail: claimDetail(claim, language, options.holderHidden ?? false),
    already_claimed: claim.already_claimed,
    notes: claim.notes,
    submitted_at: claim.submitted_at.toISOString(),
    completed_at: claim.completed_at ? claim.completed_at.toISOString() : null,
  };
  if (claim.action === 'reassign') resource.previous_operator_id = claim.previous_operator_id;
  if (task && claim.completed_at) {
    const presented = presentTask(task);
    resource.assigned_operator = presented.assigned_operator;
    resource.task = presented;
  }
  return resource;
}
