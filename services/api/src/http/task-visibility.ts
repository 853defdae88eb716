import { canSeeTask, operatorsRepo, type Db, type TaskPlacement } from '@taskclaim/shared';
import type { Caller } from './auth';

/** Whether the caller sees this task (SPEC §4 Scope); an operator's departments are read only for a task not assigned to it. */
export async function callerSeesTask(db: Db, caller: Caller, task: TaskPlacement): Promise<boolean> {
  const assignedToCaller = caller.kind === 'operator' && task.assigned_operator_id === caller.operator_id;
  const departments = caller.kind === 'operator' && !assignedToCaller ? await operatorsRepo.departmentIdsOf(db, caller.operator_id as number) : [];
  return canSeeTask(caller, task, departments);
}
