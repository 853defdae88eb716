/**
 * The fast baseline of `npm run bench`: the synchronous claim as a PostgreSQL engineer writes it for
 * speed. Express 5 and node-postgres' Pool, operator tokens cached after their first lookup, and one
 * round trip per claim in autocommit: a named prepared statement calling claim_task (claim_task.sql,
 * created at start-up), which locks the task, then the operator, applies SPEC §3's rules, writes the
 * task and the notification and returns everything the answer needs. 200, 400, or 404 for an unknown
 * task. Unlike seed-sync it keeps the capacity limit. Started by the bench as its own process on its
 * own copy of the seeded database.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type Request, type Response } from 'express';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_MAX ?? 10) });
const DEFAULT_LIMIT = Number(process.env.MAX_ACTIVE_TASKS ?? 10);

interface ClaimRow {
  code: string | null;
  already_claimed: boolean;
  holder_username: string | null;
  department_name: string | null;
  missing_skills: string | null;
  active_count: number | null;
  active_limit: number | null;
  task_id: string;
  work_content: string | null;
  task_status: string | null;
  updated_at: Date | null;
  username: string;
  first_name: string;
  last_name: string;
}

const MESSAGES: Record<string, (row: ClaimRow) => string> = {
  operator_inactive: (row) => `Operator ${row.username} is deactivated and cannot claim tasks.`,
  task_not_found: (row) => `Task ${row.task_id} does not exist.`,
  task_draft: () => 'Draft tasks cannot be claimed.',
  task_completed: () => 'Completed tasks cannot be claimed.',
  task_cancelled: () => 'Cancelled tasks cannot be claimed.',
  task_no_department: () => 'The task has no department yet and cannot be claimed.',
  not_in_department: (row) => `You are not a member of ${row.department_name} and cannot claim this task.`,
  missing_skill: (row) => `Operator ${row.username} lacks the skills this task requires: ${row.missing_skills}.`,
  already_claimed: (row) => `The task was already claimed by ${row.holder_username}.`,
  capacity_reached: (row) => `You already have ${row.active_count} active tasks (limit ${row.active_limit}).`,
};

/** token → its operator's id, looked up once (concurrent first requests share the lookup); revocations are not this baseline's concern */
const operatorOfToken = new Map<string, Promise<number | undefined>>();

async function lookUpToken(token: string): Promise<number | undefined> {
  const hash = createHash('sha256').update(token).digest('hex');
  const { rows } = await pool.query<{ operator_id: string }>(
    "SELECT operator_id FROM api_tokens WHERE token_hash = $1 AND kind = 'operator' AND revoked_at IS NULL",
    [hash],
  );
  return rows[0] ? Number(rows[0].operator_id) : undefined;
}

function authenticate(req: Request): Promise<number | undefined> {
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (!token) return Promise.resolve(undefined);
  let operatorId = operatorOfToken.get(token);
  if (!operatorId) {
    operatorId = lookUpToken(token);
    operatorOfToken.set(token, operatorId);
    // an unknown token, or a failed lookup, is looked up again next time
    void operatorId.then((id) => id === undefined && operatorOfToken.delete(token), () => operatorOfToken.delete(token));
  }
  return operatorId;
}

const app = express();
app.use(express.json({ limit: '16kb' }));

app.post('/api/workorder-tasks/:id/claim/', async (req: Request, res: Response) => {
  const operatorId = await authenticate(req);
  if (operatorId === undefined) {
    res.status(401).json({ detail: 'Authentication credentials were not provided.', code: 'unauthorized' });
    return;
  }
  if (!/^[1-9]\d{0,15}$/.test(String(req.params.id))) {
    res.status(400).json({ detail: 'The task id must be a positive integer.', code: 'validation_error' });
    return;
  }
  const notes = typeof req.body?.notes === 'string' ? req.body.notes : '';
  try {
    const { rows } = await pool.query<ClaimRow>({
      name: 'claim_task',
      text: 'SELECT * FROM claim_task($1, $2, $3, $4)',
      values: [req.params.id, operatorId, notes, DEFAULT_LIMIT],
    });
    const row = rows[0];
    if (row.code) {
      res.status(row.code === 'task_not_found' ? 404 : 400).json({ detail: MESSAGES[row.code](row), code: row.code });
      return;
    }
    const assigned = { id: operatorId, username: row.username, first_name: row.first_name, last_name: row.last_name };
    const taskId = Number(row.task_id);
    res.status(200).json({
      detail: row.already_claimed ? 'You already claimed this task.' : 'Task claimed.',
      data: { task_id: taskId, assigned_operator: assigned, already_claimed: row.already_claimed },
      task: { id: taskId, work_content: row.work_content, status: row.task_status, assigned_operator: assigned, updated_at: row.updated_at },
    });
  } catch (error) {
    res.status(500).json({ detail: 'Claiming the task failed; try again later.', error: (error as Error).message });
  }
});

app.get('/readyz', (_req, res) => void res.status(200).json({ status: 'ok' }));

async function main(): Promise<void> {
  await pool.query(readFileSync(path.join(__dirname, 'claim_task.sql'), 'utf8'));
  const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
  process.once('SIGTERM', () => {
    server.close(() => void pool.end().then(() => process.exit(0)));
    server.closeIdleConnections();
  });
}

void main();
