import type { Knex } from 'knex';

/** Returns true when the department was created. */
export async function upsertDepartment(db: Knex, department: { id: number; name: string }): Promise<boolean> {
  const [row] = await db('departments')
    .insert(department)
    .onConflict('id')
    .merge({ name: department.name, updated_at: db.fn.now() })
    .returning(db.raw('(xmax = 0) AS created'));
  return Boolean((row as { created: boolean }).created);
}
