import type { ClaimRow } from '../db/repositories/claims.repository';
import type { TaskView } from '../db/repositories/tasks.repository';
import type { ClaimResource } from '../contracts/claims';
import { renderMessage, type Language, type MessageKey } from '../domain/messages';
import type { ClaimParams } from '../domain/decide-claim';
import { presentTask } from './task.presenter';

function messageKeyOf(claim: Pick<ClaimRow, 'action' | 'status' | 'already_claimed' | 'code' | 'params'>): MessageKey {
  const release = claim.action === 'release';
  switch (claim.status) {
    case 'queued':
      return release ? 'release_queued' : 'claim_queued';
    case 'succeeded':
      if (release) return 'release_succeeded';
      return claim.already_claimed ? 'claim_already_yours' : 'claim_succeeded';
    case 'failed':
      return 'claim_failed';
    case 'rejected':
      // not_assignee names the current assignee, or, without one, says the task is unassigned
      return claim.code === 'not_assignee' && claim.params.username === undefined ? 'not_assignee_unassigned' : (claim.code as MessageKey);
  }
}

function claimDetail(claim: Pick<ClaimRow, 'action' | 'status' | 'already_claimed' | 'code' | 'params'>, language: Language): string {
  return renderMessage(messageKeyOf(claim), claim.params as ClaimParams, language);
}

/** `task` is the task as it is now; it is shown once the claim is decided. */
export function presentClaim(claim: ClaimRow, language: Language, task?: TaskView): ClaimResource {
  const resource: ClaimResource = {
    claim_id: claim.id,
    action: claim.action,
    task_id: claim.task_id,
    operator_id: claim.operator_id,
    status: claim.status,
    code: claim.code,
    detail: claimDetail(claim, language),
    already_claimed: claim.already_claimed,
    notes: claim.notes,
    submitted_at: claim.submitted_at.toISOString(),
    completed_at: claim.completed_at ? claim.completed_at.toISOString() : null,
  };
  if (task && claim.completed_at) {
    const presented = presentTask(task);
    resource.assigned_operator = presented.assigned_operator;
    resource.task = presented;
  }
  return resource;
}
