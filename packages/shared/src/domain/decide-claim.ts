/**
 * The claim rules of SPEC §3, as one pure function of rows already loaded (and locked) by the caller.
 * Checked in the table's order; the first rule that applies decides.
 */

import type { RejectionCode, TaskStatus } from './vocabulary';

export interface ClaimFacts {
  operator: { id: number; username: string; active: boolean; skills: readonly string[] };
  /** null when the task was deleted after the claim was accepted */
  task: {
    id: number;
    status: TaskStatus;
    assignedDepartment: { id: number; name: string } | null;
    assignedOperator: { id: number; username: string } | null;
    requiredSkills: readonly string[];
  } | null;
  taskId: number;
  operatorIsMemberOfTaskDepartment: boolean;
  activeTaskCount: number;
  limit: number;
}

export type ClaimParams = Record<string, string | number>;

export type ClaimDecision =
  | { outcome: 'succeeded'; alreadyClaimed: boolean }
  | { outcome: 'rejected'; code: RejectionCode; params: ClaimParams };

export const reject = (code: RejectionCode, params: ClaimParams = {}): ClaimDecision => ({ outcome: 'rejected', code, params });

const STATUS_REJECTIONS: Partial<Record<TaskStatus, RejectionCode>> = {
  draft: 'task_draft',
  completed: 'task_completed',
  cancelled: 'task_cancelled',
};

/** Rule 0, shared by every action: a deactivated operator does nothing. */
export const inactiveRejection = (operator: { username: string; active: boolean }): ClaimDecision | undefined =>
  operator.active ? undefined : reject('operator_inactive', { username: operator.username });

/** The skills a task requires that the operator lacks, in the task's order (skill names compare exactly). */
export const missingSkills = (required: readonly string[], skills: readonly string[]): string[] => required.filter((skill) => !skills.includes(skill));

/** Rule 7, shared with claim-next: no more active tasks than the limit. */
export const capacityRejection = (facts: { activeTaskCount: number; limit: number }): ClaimDecision | undefined =>
  facts.activeTaskCount >= facts.limit ? reject('capacity_reached', { active_count: facts.activeTaskCount, limit: facts.limit }) : undefined;

export function decideClaim(facts: ClaimFacts): ClaimDecision {
  const { operator, task } = facts;
  const inactive = inactiveRejection(operator);
  if (inactive) return inactive;
  if (!task) return reject('task_not_found', { task_id: facts.taskId });
  const statusRejection = STATUS_REJECTIONS[task.status];
  if (statusRejection) return reject(statusRejection, { task_id: task.id });
  if (!task.assignedDepartment) return reject('task_no_department', { task_id: task.id });
  if (!facts.operatorIsMemberOfTaskDepartment) {
    return reject('not_in_department', { department_name: task.assignedDepartment.name });
  }
  const missing = missingSkills(task.requiredSkills, operator.skills);
  if (missing.length) return reject('missing_skill', { username: operator.username, skills: missing.join(', ') });
  if (task.assignedOperator?.id === operator.id) return { outcome: 'succeeded', alreadyClaimed: true };
  if (task.assignedOperator) return reject('already_claimed', { username: task.assignedOperator.username });
  return capacityRejection(facts) ?? { outcome: 'succeeded', alreadyClaimed: false };
}
