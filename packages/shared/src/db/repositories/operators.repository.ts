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
