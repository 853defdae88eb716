import { presentClaim } from '@taskclaim/shared/presenters';
import { type ClaimResource } from '@taskclaim/shared/contracts';
import { type ClaimRow } from '@taskclaim/shared/db';
import { type Language } from '@taskclaim/shared/domain';
import { taskResource, type TaskResource } from '@taskclaim/shared/contracts';

/**
 * A snapshot as the resource lays it out: jsonb gives its keys back shortest first (`id, due_at,
 * status, …`), and a reader comparing an entry with `GET /api/workorder-tasks/{id}/` should see the
 * same shape. A snapshot the schema no longer describes is shown as stored.
 */
const inResourceOrder = (task: TaskResource): TaskResource => taskResource.safeParse(task).data ?? task;

/** An entry of a task's history: the task as that request left it (requests decided before this was stored show none). */
export function presentClaimAsDecided(claim: ClaimRow, language: Language): ClaimResource {
  const resource = presentClaim(claim, language);
  if (claim.task_after) {
    const task = inResourceOrder(claim.task_after);
    resource.assigned_operator = task.assigned_operator;
    resource.task = task;
  }
  return resource;
}
