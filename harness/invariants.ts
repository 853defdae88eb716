import type { Knex } from 'knex';

export interface InvariantReport {
  name: string;
  ok: boolean;
  /** a few offending rows, for the failure message */
  violations: unknown[];
}

const check = async (name: string, rows: Promise<unknown[]>): Promise<InvariantReport> => {
  const violations = await rows;
  return { name, ok: violations.length === 0, violations: violations.slice(0, 10) };
};

/**
 * SPEC §6, read from the database after a burst: used by the fault and multi-process tests and the benchmark.
 * `defaultLimit` is MAX_ACTIVE_TASKS; `firstComeFirstServed` only holds without infrastructure faults.
 */
export async function checkInvariants(
  db: Knex,
  options: { defaultLimit: number; firstComeFirstServed?: boolean },
): Promise<InvariantReport[]> {
  const succeeded = `status = 'succeeded' AND NOT already_claimed`;
  const winners = `SELECT task_id, operator_id, id FROM claim_requests WHERE ${succeeded} AND action IN ('claim', 'claim_next', 'reassign')`;
  // Order-free: per task and operator, the requests that gave it to them minus those that took it away (a
  // release or lease expiry of theirs, a reassign away from them) is 1 while the operator holds it, else 0.
  const holdings = `SELECT task_id, operator_id, sum(delta) AS holds FROM (
      SELECT task_id, operator_id, 1 AS delta FROM claim_requests WHERE ${succeeded} AND action IN ('claim', 'claim_next', 'reassign')
      UNION ALL SELECT task_id, operator_id, -1 FROM claim_requests WHERE ${succeeded} AND action IN ('release', 'expire')
      UNION ALL SELECT task_id, previous_operator_id, -1 FROM claim_requests WHERE ${succeeded} AND action = 'reassign' AND previous_operator_id IS NOT NULL
    ) d GROUP BY task_id, operator_id`;
  const reports = [
    check(
      'at most one holder per task: a task is won again only after a release, and released (by its holder, a lapsed lease or a reassign) once',
      db
        .raw(`SELECT task_id, json_object_agg(operator_id, holds) AS holds FROM (${holdings}) h GROUP BY task_id HAVING sum(holds) > 1 OR bool_or(holds NOT IN (0, 1))`)
        .then((r) => r.rows),
    ),
    check(
      'a task is held by the operator whose winning claim it has not released, a released one by nobody',
      db
        .raw(
          `SELECT h.task_id, h.holder, t.assigned_operator_id
           FROM (SELECT task_id, max(operator_id) FILTER (WHERE holds = 1) AS holder FROM (${holdings}) h GROUP BY task_id) h
           JOIN work_order_tasks t ON t.id = h.task_id
           WHERE t.assigned_operator_id IS DISTINCT FROM h.holder`,
        )
        .then((r) => r.rows),
    ),
    check(
      'no operator above their limit',
      db
        .raw(
          `SELECT o.id AS operator_id, count(t.id)::int AS active, coalesce(o.max_active_tasks, ?) AS "limit"
           FROM operators o JOIN work_order_tasks t ON t.assigned_operator_id = o.id AND t.status IN ('pending', 'in_progress')
           GROUP BY o.id HAVING count(t.id) > coalesce(o.max_active_tasks, ?)`,
          [options.defaultLimit, options.defaultLimit],
        )
        .then((r) => r.rows),
    ),
    check(
      'every accepted claim is terminal',
      db('claim_requests').where('status', 'queued').select('id', 'task_id', 'status', 'submitted_at').limit(10),
    ),
    check(
      'exactly one notification per operator a request changed a task for: task_assigned to who got it, task_released to who lost it (a start notifies nobody)',
      db
        .raw(
          `SELECT c.id AS claim_id, c.action, c.status, c.already_claimed, count(n.id)::int AS notifications
           FROM claim_requests c LEFT JOIN notifications n ON n.claim_id = c.id
           GROUP BY c.id
           HAVING count(n.id) <> CASE WHEN c.status <> 'succeeded' OR c.already_claimed OR c.action = 'start' THEN 0
                                      WHEN c.action = 'reassign' AND c.previous_operator_id IS NOT NULL THEN 2 ELSE 1 END
             OR bool_or(n.type <> CASE WHEN c.action IN ('release', 'expire') OR n.operator_id = c.previous_operator_id THEN 'task_released' ELSE 'task_assigned' END)`,
        )
        .then((r) => r.rows),
    ),
    check(
      'no operator holds a task whose required skills they lack',
      db
        .raw(
          `SELECT t.id AS task_id, o.id AS operator_id, t.required_skills, o.skills
           FROM work_order_tasks t JOIN operators o ON o.id = t.assigned_operator_id
           WHERE NOT t.required_skills <@ o.skills`,
        )
        .then((r) => r.rows),
    ),
  ];
  if (options.firstComeFirstServed) {
    reports.push(
      check(
        'first come, first served: the winner of a contended task (never released) is its first claim',
        db
          .raw(
            `SELECT w.task_id, w.id AS winner, first.id AS first_claim
             FROM (${winners}) w
             JOIN LATERAL (SELECT id, status, code FROM claim_requests c WHERE c.task_id = w.task_id ORDER BY id LIMIT 1) first ON true
             WHERE first.id <> w.id AND first.code = 'already_claimed'
               AND NOT EXISTS (SELECT 1 FROM claim_requests r WHERE r.task_id = w.task_id AND r.action IN ('release', 'expire', 'reassign') AND r.status = 'succeeded')`,
          )
          .then((r) => r.rows),
      ),
    );
  }
  return Promise.all(reports);
}
