import type { Knex } from 'knex';

const TASK_STATUSES = "('draft', 'pending', 'in_progress', 'completed', 'cancelled')";
const CLAIM_STATUSES = "('queued', 'processing', 'succeeded', 'rejected', 'failed')";

/** Ids of departments, operators, work orders and tasks come from the factory's systems (admin upserts), so they are not serial. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('departments', (t) => {
    t.bigInteger('id').primary();
    t.text('name').notNullable();
    t.timestamps(true, true);
  });

  await knex.schema.createTable('operators', (t) => {
    t.bigInteger('id').primary();
    t.text('username').notNullable().unique();
    t.text('first_name').notNullable().defaultTo('');
    t.text('last_name').notNullable().defaultTo('');
    t.boolean('active').notNullable().defaultTo(true);
    t.integer('max_active_tasks').nullable();
    t.timestamps(true, true);
  });

  await knex.schema.createTable('operator_departments', (t) => {
    t.bigInteger('operator_id').notNullable().references('operators.id').onDelete('CASCADE');
    t.bigInteger('department_id').notNullable().references('departments.id').onDelete('CASCADE');
    t.primary(['operator_id', 'department_id']);
    t.index(['department_id']);
  });

  await knex.schema.createTable('work_orders', (t) => {
    t.bigInteger('id').primary();
    t.text('order_number').notNullable();
    t.timestamps(true, true);
  });

  await knex.schema.createTable('work_order_tasks', (t) => {
    t.bigInteger('id').primary();
    t.bigInteger('work_order_id').notNullable().references('work_orders.id');
    t.text('work_content').notNullable();
    t.text('status').notNullable();
    t.bigInteger('assigned_department_id').nullable().references('departments.id').onDelete('SET NULL');
    t.bigInteger('assigned_operator_id').nullable().references('operators.id').onDelete('SET NULL');
    t.timestamps(true, true);
  });
  await knex.raw(`ALTER TABLE work_order_tasks ADD CONSTRAINT work_order_tasks_status_check CHECK (status IN ${TASK_STATUSES})`);
  // The claimable list: pending, unassigned tasks of a department, oldest first.
  await knex.raw(`CREATE INDEX work_order_tasks_claimable_idx ON work_order_tasks (assigned_department_id, created_at, id)
    WHERE status = 'pending' AND assigned_operator_id IS NULL`);
  // An operator's active tasks (capacity rule and /mine).
  await knex.raw(`CREATE INDEX work_order_tasks_active_idx ON work_order_tasks (assigned_operator_id)
    WHERE status IN ('pending', 'in_progress')`);

  await knex.schema.createTable('api_tokens', (t) => {
    t.increments('id').primary();
    t.text('kind').notNullable();
    t.text('name').notNullable();
    t.text('token_hash').notNullable().unique();
    t.bigInteger('operator_id').nullable().references('operators.id').onDelete('CASCADE');
    t.specificType('department_ids', 'bigint[]').notNullable().defaultTo('{}');
    t.specificType('callback_hosts', 'text[]').notNullable().defaultTo('{}');
    t.text('webhook_secret').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('revoked_at', { useTz: true }).nullable();
  });
  await knex.raw(`ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_kind_check CHECK (kind IN ('operator', 'integration', 'admin'))`);

  // task_id has no foreign key: a claim outlives a deleted task and is then rejected as task_not_found.
  await knex.schema.createTable('claim_requests', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('task_id').notNullable();
    t.bigInteger('operator_id').notNullable().references('operators.id');
    t.integer('token_id').nullable().references('api_tokens.id').onDelete('SET NULL');
    t.text('status').notNullable().defaultTo('queued');
    t.text('code').nullable();
    t.jsonb('params').notNullable().defaultTo('{}');
    t.boolean('already_claimed').notNullable().defaultTo(false);
    t.text('notes').notNullable().defaultTo('');
    t.text('callback_url').nullable();
    t.text('request_id').nullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('submitted_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('completed_at', { useTz: true }).nullable();
  });
  await knex.raw(`ALTER TABLE claim_requests ADD CONSTRAINT claim_requests_status_check CHECK (status IN ${CLAIM_STATUSES})`);
  // The worker applies the queued claims of a task in accept order; the reconciler finds old queued rows.
  await knex.raw(`CREATE INDEX claim_requests_queued_task_idx ON claim_requests (task_id, id) WHERE status = 'queued'`);
  await knex.raw(`CREATE INDEX claim_requests_queued_age_idx ON claim_requests (submitted_at) WHERE status = 'queued'`);
  await knex.raw(`CREATE INDEX claim_requests_task_idx ON claim_requests (task_id)`);

  await knex.schema.createTable('notifications', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('operator_id').notNullable().references('operators.id').onDelete('CASCADE');
    t.text('type').notNullable();
    t.jsonb('params').notNullable().defaultTo('{}');
    t.text('priority').notNullable().defaultTo('normal');
    t.bigInteger('task_id').nullable();
    t.bigInteger('work_order_id').nullable();
    // One notification per successful claim, enforced by the database as well as by the worker.
    t.bigInteger('claim_id').nullable().unique().references('claim_requests.id').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('read_at', { useTz: true }).nullable();
    t.index(['operator_id', 'created_at']);
  });

  await knex.schema.createTable('webhook_deliveries', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('claim_id').notNullable().references('claim_requests.id').onDelete('CASCADE');
    t.text('webhook_id').notNullable();
    t.integer('attempt').notNullable();
    t.timestamp('attempted_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.integer('status_code').nullable();
    t.text('error').nullable();
    t.integer('duration_ms').nullable();
    t.timestamp('next_attempt_at', { useTz: true }).nullable();
    t.index(['claim_id', 'attempt']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'webhook_deliveries',
    'notifications',
    'claim_requests',
    'api_tokens',
    'work_order_tasks',
    'work_orders',
    'operator_departments',
    'operators',
    'departments',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
