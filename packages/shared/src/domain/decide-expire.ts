/**
 * A lapsed lease (SPEC §4 "Leases"), as one pure function of rows already loaded (and locked) by the
 * caller. The expiry was submitted for the assignee whose lease ran out; decided in order with the
 * task's other requests, it changes nothing once the task was started, released, reassigned or
 * claimed again (a new lease has not run out).
 */
import { reject, type ClaimDecision } from './decide-claim';
import type { TaskStatus } from './vocabulary';

export interface ExpireFacts {
  /** the assignee whose lease ran out */
  operator: { id: number };
  /** null when the task was deleted after the expiry was submitted */
  task: { id: number; status: TaskStatus; assignedOperator: { id: number; username: string } | null; leaseExpired: boolean } | null;
  taskId: number;
}

export function decideExpire(facts: ExpireFacts): ClaimDecision {
  const { operator, task } = facts;
  if (!task) return reject('task_not_found', { task_id: facts.taskId });
  if (task.assignedOperator?.id !== operator.id) return reject('not_assignee', task.assignedOperator ? { username: task.assignedOperator.username } : {});
  if (task.status !== 'pending') return reject('task_not_releasable', { task_id: task.id, status: task.status });
  if (!task.leaseExpired) return reject('lease_not_expired', { task_id: task.id });
  return { outcome: 'succeeded', alreadyClaimed: false };
}
