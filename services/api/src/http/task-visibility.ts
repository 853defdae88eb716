import { canSeeTask, type TaskPlacement } from '@taskclaim/shared/domain';
import type { BatchedReads } from '../claims/batched-reads';
import type { Caller } from './auth';

/** Whether the caller sees this task (SPEC §4 Scope); an operator's departments are asked only for a task not assigned to it. */
export async function callerSeesTask(reads: BatchedReads, caller: Caller, task: TaskPlacement): Promise<boolean> {
  const assignedToCaller = caller.kind === 'operator' && task.assigned_operator_id === caller.operator_id;
  const departments = caller.kind === 'operator' && !assignedToCaller ? await reads.operatorDepartments(caller.operator_id as number) : [];
  return canSeeTask(caller, task, departments);
}
