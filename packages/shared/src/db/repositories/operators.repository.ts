import type { Knex } from 'knex';

export interface OperatorRow {
  id: number;
  username: string;
  first_name: string;
  last_name: string;
  active: boolean;
  max_active_tasks: number | null;
  /** compared exactly with a task's required_skills */
  skills: string[];
}

export interface OperatorUpsert {
  id: number;
  username: string;
  first_name?: string;
  last_name?: string;
  department_ids: number[];
  active?: boolean;
  max_active_tasks?: number | null;
  skills?: string[];
}

export async function findOperator(db: Knex, operatorId: number): Promise<OperatorRow | undefined> {
  return db<OperatorRow>('operators').where({ id: operatorId }).first();
}

export async function departmentIdsOf(db: Knex, operatorId: number): Promise<number[]> {
  return (await db('operator_departments').where({ operator_id: operatorId }).orderBy('department_id').pluck('department_id')).map(Number);
}

/** Each operator's departments, in one statement (an operator in none is missing). */
export async function departmentIdsOfOperators(db: Knex, operatorIds: number[]): Promise<Map<number, number[]>> {
  const rows: { operator_id: number; department_id: number }[] = await db('operator_departments')
    .whereIn('operator_id', operatorIds)
    .orderBy('department_id')
    .select('operator_id', 'department_id');
  const byOperator = new Map<number, number[]>();
  for (const row of rows) byOperator.set(Number(row.operator_id), [...(byOperator.get(Number(row.operator_id)) ?? []), Number(row.department_id)]);
  return byOperator;
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
