import { type Db } from '@taskclaim/shared/db';
import { scopeDepartments } from '@taskclaim/shared/domain';
import * as operatorsRepo from '../db/operators.repository';
import type { Caller } from './auth';
import { HttpProblem, type Text, validationProblem } from './problem';

/** The 400 of a request naming an operator that does not exist; `path` is the field that names it. */
export const noSuchOperator = (operatorId: number, path: string) =>
  validationProblem({ en: `Operator ${operatorId} does not exist.`, zh: `操作员 ${operatorId} 不存在` }, [{ path, message: 'no such operator' }]);

/**
 * Which operator a request acts for: an operator token acts for its own operator only; integration
 * and admin tokens name one with `operator_id`, integrations only within their departments.
 */
export async function resolveActingOperator(db: Db, caller: Caller, requested: number | undefined, location: 'body' | 'query'): Promise<number> {
  if (caller.kind === 'operator') {
    if (requested !== undefined && requested !== caller.operator_id) {
      throw new HttpProblem(403, 'forbidden', { en: 'An operator token can only act for its own operator.', zh: '操作员令牌只能代表其自己的操作员' });
    }
    return caller.operator_id as number;
  }
  if (requested === undefined) {
    throw validationProblem({ en: `operator_id is required for ${caller.kind} tokens.`, zh: `${caller.kind === 'admin' ? '管理员' : '集成'}令牌必须提供 operator_id` }, [
      { path: `${location}.operator_id`, message: `required for ${caller.kind} tokens` },
    ]);
  }
  if (caller.kind === 'integration') {
    const members = await operatorsRepo.departmentIdsOf(db, requested);
    if (!members.some((departmentId) => caller.department_ids.includes(departmentId))) {
      throw new HttpProblem(403, 'forbidden', { en: `Operator ${requested} is not in a department of this integration token.`, zh: `操作员 ${requested} 不属于此集成令牌的任何部门` });
    }
    return requested;
  }
  if (!(await operatorsRepo.findOperator(db, requested))) {
    throw noSuchOperator(requested, `${location}.operator_id`);
  }
  return requested;
}

/**
 * The departments a claim-next request may pick from (null: all of the operator's): the given
 * `department_id`, which must be one of the operator's and, for an integration token, one of its
 * own; else an integration token's departments.
 */
export async function claimNextDepartments(db: Db, caller: Caller, operatorId: number, departmentId: number | undefined): Promise<number[] | null> {
  const scope = scopeDepartments(caller);
  if (departmentId === undefined) return scope ? [...scope] : null;
  const outside = (why: Text) =>
    validationProblem({ en: `department_id ${departmentId} is ${why.en}.`, zh: `department_id ${departmentId} ${why.zh}` }, [{ path: 'body.department_id', message: why.en }]);
  if (!(await operatorsRepo.departmentIdsOf(db, operatorId)).includes(departmentId)) {
    throw outside({ en: `not a department of operator ${operatorId}`, zh: `不是操作员 ${operatorId} 所属的部门` });
  }
  if (scope && !scope.includes(departmentId)) throw outside({ en: 'not a department of this integration token', zh: '不在此集成令牌的部门范围内' });
  return [departmentId];
}

/** The departments whose tasks the request may see for that operator: theirs, within the caller's scope. */
export async function visibleDepartments(db: Db, caller: Caller, operatorId: number): Promise<number[]> {
  const departments = await operatorsRepo.departmentIdsOf(db, operatorId);
  const scope = scopeDepartments(caller);
  return scope ? departments.filter((departmentId) => scope.includes(departmentId)) : departments;
}
