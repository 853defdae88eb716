import { type Db } from '@taskclaim/shared/db';
import { scopeDepartments } from '@taskclaim/shared/domain';
import * as operatorsRepo from '../db/operators.repository';
import type { Caller } from './auth';
import { HttpProblem, validationProblem } from './problem';

/**
 * Which operator a request acts for: an operator token acts for its own operator only; integration
 * and admin tokens name one with `operator_id`, integrations only within their departments.
 */
export async function resolveActingOperator(db: Db, caller: Caller, requested: number | undefined, location: 'body' | 'query'): Promise<number> {
  if (caller.kind === 'operator') {
    if (requested !== undefined && requested !== caller.operator_id) {
      throw new HttpProblem(403, 'forbidden', 'An operator token can only act for its own operator.');
    }
    return caller.operator_id as number;
  }
  if (requested === undefined) {
    throw validationProblem(`operator_id is required for ${caller.kind} tokens.`, [
      { path: `${location}.operator_id`, message: `required for ${caller.kind} tokens` },
    ]);
  }
  if (caller.kind === 'integration') {
    const members = await operatorsRepo.departmentIdsOf(db, requested);
    if (!members.some((departmentId) => caller.department_ids.includes(departmentId))) {
      throw new HttpProblem(403, 'forbidden', `Operator ${requested} is not in a department of this integration token.`);
    }
    return requested;
  }
  if (!(await operatorsRepo.findOperator(db, requested))) {
    throw validationProblem(`Operator ${requested} does not exist.`, [{ path: `${location}.operator_id`, message: 'no such operator' }]);
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
  const outside = (why: string) => validationProblem(`department_id ${departmentId} is ${why}.`, [{ path: 'body.department_id', message: why }]);
  if (!(await operatorsRepo.departmentIdsOf(db, operatorId)).includes(departmentId)) throw outside(`not a department of operator ${operatorId}`);
  if (scope && !scope.includes(departmentId)) throw outside('not a department of this integration token');
  return [departmentId];
}

/** The departments whose tasks the request may see for that operator: theirs, within the caller's scope. */
export async function visibleDepartments(db: Db, caller: Caller, operatorId: number): Promise<number[]> {
  const departments = await operatorsRepo.departmentIdsOf(db, operatorId);
  const scope = scopeDepartments(caller);
  return scope ? departments.filter((departmentId) => scope.includes(departmentId)) : departments;
}
