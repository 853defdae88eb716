import type { TokenKind } from './vocabulary';

export interface ScopedToken {
  kind: TokenKind;
  department_ids: readonly number[];
}

/**
 * SPEC §4 Scope: the departments a token acts in — an integration token only inside its own
 * `department_ids`, whoever the operator it names. Undefined: not narrowed by department (admin tokens
 * see everything; an operator token is narrowed by its operator instead).
 */
export function scopeDepartments(token: ScopedToken): readonly number[] | undefined {
  return token.kind === 'integration' ? token.department_ids : undefined;
}

/** Whether a task of `departmentId` is inside the token's scope; a task without a department is outside every narrowed scope. */
export function isInScope(token: ScopedToken, departmentId: number | null): boolean {
  const departments = scopeDepartments(token);
  return departments === undefined || (departmentId !== null && departments.includes(departmentId));
}

/** What of a task decides who sees it. */
export interface TaskPlacement {
  assigned_department_id: number | null;
  assigned_operator_id: number | null;
}

/**
 * SPEC §4 Scope: whether the token sees this task (its resource, its history, and the task inside a
 * claim resource). An operator token sees the tasks of its operator's departments (`operatorDepartments`)
 * and those assigned to its operator; other tokens as `isInScope`.
 */
export function canSeeTask(token: ScopedToken & { operator_id: number | null }, task: TaskPlacement, operatorDepartments: readonly number[]): boolean {
  if (token.kind !== 'operator') return isInScope(token, task.assigned_department_id);
  if (task.assigned_operator_id !== null && task.assigned_operator_id === token.operator_id) return true;
  return task.assigned_department_id !== null && operatorDepartments.includes(task.assigned_department_id);
}
