import { presentClaim, type ClaimResource, type ClaimRow, type Language } from '@taskclaim/shared';

/** An entry of a task's history: the task as that request left it (requests decided before this was stored show none). */
export function presentClaimAsDecided(claim: ClaimRow, language: Language): ClaimResource {
  const resource = presentClaim(claim, language);
  if (claim.task_after) {
    resource.assigned_operator = claim.task_after.assigned_operator;
    resource.task = claim.task_after;
  }
  return resource;
}
