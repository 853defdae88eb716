/**
 * The release rules of SPEC §4 ("Release and claim-next"), as one pure function of rows already
 * loaded (and locked) by the caller, checked in order; the first rule that applies decides.
 */
import { inactiveRejection, reject, type ClaimDecision } from './decide-claim';
import type { TaskStatus } from './vocabulary';

export interface ReleaseFacts {
  operator: { id: number; username: string; active: boolean };
  /** null when the task was deleted after the release was accepted */
  task: { id: number; status: TaskStatus; assignedOperator: { id: number; username: string } | null } | null;
  taskId: number;
}

export function decideRelease(facts: ReleaseFacts): ClaimDecision {
  const { operator, task } = facts;
  const inactive = inactiveRejection(operator);
  if (inactive) return inactive;
  if (!task) return reject('task_not_found', { task_id: facts.taskId });
  // Without a username the message says the task is unassigned (claim.presenter.ts).
  if (task.assignedOperator?.id !== operator.id) return reject('not_assignee', task.assignedOperator ? { username: task.assignedOperator.username } : {});
  // Work started or closed: only a pending task goes back to the pool.
  if (task.status !== 'pending') return reject('task_not_releasable', { task_id: task.id, status: task.status });
  return { outcome: 'succeeded', alreadyClaimed: false };
}
