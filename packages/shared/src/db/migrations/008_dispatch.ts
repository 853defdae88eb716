import type { Knex } from 'knex';

const ACTIONS = "('claim', 'release', 'claim_next', 'start', 'reassign', 'expire')";
const DISPATCH_ORDER = 'priority DESC, due_at ASC NULLS LAST, created_at, id';

/**
 * Dispatch (SPEC §2 "Dispatch data", §4 "Dispatch"): task priorities, due dates and required skills,
 * operator skills, a claim lease per department, and the requests that start, reassign and expire.
 *
 * The claimable list and claim-next read the open tasks of one department in dispatch order straight
 * off `work_order_tasks_dispatch_idx` (required_skills is included, so the skill filter needs no heap
 * visit). The lease sweep finds lapsed leases through `work_order_tasks_lease_idx`.
 *
 * A reassign notifies two operators for one request, so a request has one notification per operator.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('work_order_tasks', (t) => {
    t.integer('priority').notNullable().defaultTo(50);
    t.timestamp('due_at', { useTz: true }).nullable();
    t.specificType('required_skills', 'text[]').notNullable().defaultTo('{}');
    t.timestamp('claimed_at', { useTz: true }).nullable();
    t.timestamp('lease_expires_at', { useTz: true }).nullable();
  });
  await knex.raw('ALTER TABLE work_order_tasks ADD CONSTRAINT work_order_tasks_priority_check CHECK (priority BETWEEN 0 AND 100)');
  await knex.raw('UPDATE work_order_tasks SET claimed_at = updated_at WHERE assigned_operator_id IS NOT NULL');
  await knex.raw('DROP INDEX IF EXISTS work_order_tasks_claimable_idx');
  await knex.raw(`CREATE INDEX work_order_tasks_dispatch_idx ON work_order_tasks (assigned_department_id, ${DISPATCH_ORDER})
    INCLUDE (required_skills) WHERE status = 'pending' AND assigned_operator_id IS NULL`);
  await knex.raw(`CREATE INDEX work_order_tasks_lease_idx ON work_order_tasks (lease_expires_at) WHERE lease_expires_at IS NOT NULL`);

  await knex.schema.alterTable('operators', (t) => {
    t.specificType('skills', 'text[]').notNullable().defaultTo('{}');
  });
  await knex.schema.alterTable('departments', (t) => {
    t.integer('claim_lease_seconds').nullable();
  });
  await knex.raw('ALTER TABLE departments ADD CONSTRAINT departments_claim_lease_seconds_check CHECK (claim_lease_seconds BETWEEN 1 AND 604800)');

  await knex.schema.alterTable('claim_requests', (t) => {
    t.bigInteger('previous_operator_id').nullable();
  });
  await knex.raw('ALTER TABLE claim_requests DROP CONSTRAINT claim_requests_action_check');
  await knex.raw(`ALTER TABLE claim_requests ADD CONSTRAINT claim_requests_action_check CHECK (action IN ${ACTIONS})`);

  await knex.raw('ALTER TABLE notifications DROP CONSTRAINT notifications_claim_id_unique');
  await knex.raw('ALTER TABLE notifications ADD CONSTRAINT notifications_claim_operator_unique UNIQUE (claim_id, operator_id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex('claim_requests').whereIn('action', ['start', 'reassign', 'expire']).delete();
  await knex.raw('ALTER TABLE notifications DROP CONSTRAINT notifications_claim_operator_unique');
  await knex.raw('ALTER TABLE notifications ADD CONSTRAINT notifications_claim_id_unique UNIQUE (claim_id)');
  await knex.raw('ALTER TABLE claim_requests DROP CONSTRAINT claim_requests_action_check');
  await knex.raw(`ALTER TABLE claim_requests ADD CONSTRAINT claim_requests_action_check CHECK (action IN ('claim', 'release', 'claim_next'))`);
  await knex.schema.alterTable('claim_requests', (t) => t.dropColumn('previous_operator_id'));
  await knex.schema.alterTable('departments', (t) => t.dropColumn('claim_lease_seconds'));
  await knex.schema.alterTable('operators', (t) => t.dropColumn('skills'));
  await knex.raw('DROP INDEX IF EXISTS work_order_tasks_lease_idx');
  await knex.raw('DROP INDEX IF EXISTS work_order_tasks_dispatch_idx');
  await knex.raw(`CREATE INDEX work_order_tasks_claimable_idx ON work_order_tasks (assigned_department_id, created_at, id)
    WHERE status = 'pending' AND assigned_operator_id IS NULL`);
  await knex.schema.alterTable('work_order_tasks', (t) => {
    for (const column of ['priority', 'due_at', 'required_skills', 'claimed_at', 'lease_expires_at']) t.dropColumn(column);
  });
}
