/**
 * The start rules of SPEC §4 ("Dispatch"), as one pure function of rows already loaded (and locked)
 * by the caller, checked in order; the first rule that applies decides.
 */
import { inactiveRejection, reject, type ClaimDecision } from './decide-claim';
import type { TaskStatus } from './vocabulary';

export interface StartFacts {
  operator: { id: number; username: string; active: boolean };
  /** null when the task was deleted after the start was accepted */
  task: { id: number; status: TaskStatus; assignedOperator: { id: number; username: string } | null } | null;
  taskId: number;
}

export function decideStart(facts: StartFacts): ClaimDecision {
  const { operator, task } = facts;
  const inactive = inactiveRejection(operator);
  if (inactive) return inactive;
  if (!task) return reject('task_not_found', { task_id: facts.taskId });
  if (task.assignedOperator?.id !== operator.id) return reject('not_assignee', task.assignedOperator ? { username: task.assignedOperator.username } : {});
  // Started already: nothing changes (a retried Start button is not an error).
  if (task.status === 'in_progress') return { outcome: 'succeeded', alreadyClaimed: true };
  if (task.status !== 'pending') return reject('task_not_startable', { task_id: task.id, status: task.status });
  return { outcome: 'succeeded', alreadyClaimed: false };
}
