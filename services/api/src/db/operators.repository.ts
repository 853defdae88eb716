import type { Knex } from 'knex';
import type { z } from 'zod';
import type { operatorUpsert } from '../contracts/admin';
import type { operatorsRepo } from '@taskclaim/shared/db';

type OperatorRow = operatorsRepo.OperatorRow;

/** The operators as only the API reads and writes them. (The decision locks and reads them in the shared tasks repository.) */

/** What the admin API's PUT of an operator carries, with the operator's id. */
export type OperatorUpsert = z.infer<typeof operatorUpsert> & { id: number };

export async function findOperator(db: Knex, operatorId: number): Promise<OperatorRow | undefined> {
  return db<OperatorRow>('operators').where({ id: operatorId }).first();
}

export async function departmentIdsOf(db: Knex, operatorId: number): Promise<number[]> {
  return (await db('operator_departments').where({ operator_id: operatorId }).orderBy('department_id').pluck('department_id')).map(Number);
}

const OPTIONAL_FIELDS = ['first_name', 'last_name', 'active', 'max_active_tasks', 'skills'] as const;

/**
 * Returns true when the operator was created. On update an omitted optional field keeps its value (a
 * sync that leaves out `active` must not reactivate an operator, nor one without `max_active_tasks`
 * clear its limit); `max_active_tasks: null` clears it. A new operator takes the column defaults.
 */
export async function upsertOperator(trx: Knex.Transaction, operator: OperatorUpsert): Promise<boolean> {
  const existed = Boolean(await trx('operators').where({ id: operator.id }).forUpdate().first('id'));
  const given = OPTIONAL_FIELDS.filter((field) => operator[field] !== undefined);
  const row = { id: operator.id, username: operator.username, ...Object.fromEntries(given.map((field) => [field, operator[field]])) };
  await trx('operators')
    .insert(row)
    .onConflict('id')
    .merge({
      ...Object.fromEntries(['username', ...given].map((column) => [column, trx.raw('??', [`excluded.${column}`])])),
      updated_at: trx.fn.now(),
    });
  await trx('operator_departments').where({ operator_id: operator.id }).delete();
  if (operator.department_ids.length) {
    await trx('operator_departments').insert(
      [...new Set(operator.department_ids)].map((departmentId) => ({ operator_id: operator.id, department_id: departmentId })),
    );
  }
  return !existed;
}
