/**
 * The peer baseline of `npm run bench`: the seed plan's design (../shared/seed), written as a user
 * would write it with Express and Knex — one synchronous transaction per request, the task locked
 * with SELECT … FOR UPDATE, the seed's checks in the seed's order, 200 or 400. It runs against a copy
 * of the same seeded database as taskclaim (same tables and tokens) and is started by the bench as
 * its own process. Like the seed, it counts the operator's active tasks without locking anything,
 * so concurrent claims of one operator on different tasks can push the operator over the limit: the
 * bench reports how many operators it put over their limit.
 */
import { createHash } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import knex from 'knex';

const db = knex({
  client: 'pg',
  connection: process.env.DATABASE_URL,
  pool: { min: 0, max: Number(process.env.DATABASE_POOL_MAX ?? 10) },
});
const DEFAULT_LIMIT = Number(process.env.MAX_ACTIVE_TASKS ?? 10);

interface Operator {
  id: number;
  username: string;
  first_name: string;
  last_name: string;
  max_active_tasks: number | null;
}

class BusinessLogicError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function authenticate(req: Request): Promise<Operator | undefined> {
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (!token) return undefined;
  const hash = createHash('sha256').update(token).digest('hex');
  return db('api_tokens as k')
    .join('operators as o', 'o.id', 'k.operator_id')
    .where({ 'k.token_hash': hash, 'k.kind': 'operator', 'o.active': true })
    .whereNull('k.revoked_at')
    .first('o.id', 'o.username', 'o.first_name', 'o.last_name', 'o.max_active_tasks');
}

/** TaskAssignmentService.claim_task of the seed, check for check. */
async function claimTask(taskId: number, operator: Operator, notes: string) {
  return db.transaction(async (trx) => {
    const task = await trx('work_order_tasks as t')
      .join('work_orders as w', 'w.id', 't.work_order_id')
      .leftJoin('departments as d', 'd.id', 't.assigned_department_id')
      .where('t.id', taskId)
      .forUpdate('t')
      .first('t.*', 'w.order_number', 'd.name as department_name');
    if (!task) throw new BusinessLogicError('task_not_found', `Task ${taskId} does not exist.`);
    if (!task.assigned_department_id) throw new BusinessLogicError('task_no_department', 'The task has no department yet and cannot be claimed.');
    const member = await trx('operator_departments').where({ operator_id: operator.id, department_id: task.assigned_department_id }).first('operator_id');
    if (!member) throw new BusinessLogicError('not_in_department', `You are not a member of ${task.department_name} and cannot claim this task.`);
    const [{ count }] = await trx('work_order_tasks')
      .where({ assigned_operator_id: operator.id })
      .whereIn('status', ['pending', 'in_progress'])
      .count({ count: '*' });
    const limit = operator.max_active_tasks ?? DEFAULT_LIMIT;
    if (Number(count) >= limit) throw new BusinessLogicError('capacity_reached', `You already have ${count} active tasks (limit ${limit}).`);
    if (task.status === 'draft') throw new BusinessLogicError('task_draft', 'Draft tasks cannot be claimed.');
    if (task.status === 'completed') throw new BusinessLogicError('task_completed', 'Completed tasks cannot be claimed.');
    if (task.status === 'cancelled') throw new BusinessLogicError('task_cancelled', 'Cancelled tasks cannot be claimed.');
    if (task.assigned_operator_id) {
      if (Number(task.assigned_operator_id) === operator.id) return { task, alreadyClaimed: true };
      const holder = await trx('operators').where({ id: task.assigned_operator_id }).first('username');
      throw new BusinessLogicError('already_claimed', `The task was already claimed by ${holder?.username}.`);
    }
    const [updated] = await trx('work_order_tasks')
      .where({ id: taskId })
      .update({ assigned_operator_id: operator.id, updated_at: trx.fn.now() })
      .returning('*');
    await trx('notifications').insert({
      operator_id: operator.id,
      type: 'task_assigned',
      params: { work_content: task.work_content, order_number: task.order_number, notes },
      task_id: task.id,
      work_order_id: task.work_order_id,
    });
    return { task: { ...task, ...updated }, alreadyClaimed: false };
  });
}

const app = express();
app.use(express.json({ limit: '16kb' }));

app.post('/api/workorder-tasks/:id/claim/', async (req: Request, res: Response) => {
  const operator = await authenticate(req);
  if (!operator) {
    res.status(401).json({ detail: 'Authentication credentials were not provided.', code: 'unauthorized' });
    return;
  }
  const taskId = Number(req.params.id);
  const notes = typeof req.body?.notes === 'string' ? req.body.notes : '';
  try {
    const { task, alreadyClaimed } = await claimTask(taskId, operator, notes);
    const assigned = { id: operator.id, username: operator.username, first_name: operator.first_name, last_name: operator.last_name };
    res.status(200).json({
      detail: alreadyClaimed ? 'You already claimed this task.' : 'Task claimed.',
      data: { task_id: task.id, assigned_operator: assigned, already_claimed: alreadyClaimed },
      task: { id: task.id, work_content: task.work_content, status: task.status, assigned_operator: assigned, updated_at: task.updated_at },
    });
  } catch (error) {
    if (error instanceof BusinessLogicError) res.status(400).json({ detail: error.message, code: error.code });
    else res.status(500).json({ detail: 'Claiming the task failed; try again later.', error: (error as Error).message });
  }
});

app.get('/readyz', (_req, res) => void res.status(200).json({ status: 'ok' }));

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
process.once('SIGTERM', () => {
  server.close(() => void db.destroy().then(() => process.exit(0)));
  server.closeIdleConnections();
});
