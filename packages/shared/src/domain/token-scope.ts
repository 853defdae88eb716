import type { TokenKind } from '../db/repositories/tokens.repository';

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
