import type { Knex } from 'knex';

export interface DepartmentRow {
  id: number;
  name: string;
  /** a claim not started within this many seconds goes back to the pool; null: no lease */
  claim_lease_seconds: number | null;
}

/**
 * Returns the department as stored, and whether it was created. An omitted claim_lease_seconds keeps
 * its value on update; null clears it.
 */
export async function upsertDepartment(
  db: Knex,
  department: { id: number; name: string; claim_lease_seconds?: number | null },
): Promise<{ created: boolean; row: DepartmentRow }> {
  const keepLease = department.claim_lease_seconds === undefined;
  const [row] = await db('departments')
    .insert(department)
    .onConflict('id')
    .merge({ name: department.name, ...(keepLease ? {} : { claim_lease_seconds: department.claim_lease_seconds }), updated_at: db.fn.now() })
    .returning(['id', 'name', 'claim_lease_seconds', db.raw('(xmax = 0) AS created')]);
  const { created, ...stored } = row as DepartmentRow & { created: boolean };
  return { created: Boolean(created), row: stored };
}
