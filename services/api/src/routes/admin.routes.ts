import { Router } from 'express';
import { bulkTaskUpsert, pathId, taskUpsert } from '@taskclaim/shared/contracts';
import { departmentUpsert, operatorUpsert, tokenCreate } from '../contracts/admin';
import { tasksRepo } from '@taskclaim/shared/db';
import { presentTask } from '@taskclaim/shared/presenters';
import * as departmentsRepo from '../db/departments.repository';
import * as operatorsRepo from '../db/operators.repository';
import { deleteTask, upsertTasks } from '../db/tasks.repository';
import * as tokensRepo from '../db/tokens.repository';
import type { ApiDeps } from '../deps';
import { requireAdmin } from '../http/auth';
import { jsonBody } from '../http/json-body';
import { HttpProblem, taskNotFound, validationProblem } from '../http/problem';
import { noSuchOperator } from '../http/acting-operator';
import { parseInput } from '../http/validate';

export const ADMIN_BODY_LIMIT = '1mb';

const createdOrOk = (created: boolean) => (created ? 201 : 200);

export function adminRouter(deps: ApiDeps): Router {
  const router = Router();
  router.use('/admin', requireAdmin, jsonBody(ADMIN_BODY_LIMIT));

  router.put('/admin/departments/:id', async (req, res) => {
    const id = parseInput(pathId, req.params.id, 'path');
    const body = parseInput(departmentUpsert, req.body, 'body');
    const { created, row } = await departmentsRepo.upsertDepartment(deps.db, { id, ...body });
    res.status(createdOrOk(created)).json(row);
  });

  router.put('/admin/operators/:id', async (req, res) => {
    const id = parseInput(pathId, req.params.id, 'path');
    const body = parseInput(operatorUpsert, req.body, 'body');
    const created = await deps.db.transaction((trx) => operatorsRepo.upsertOperator(trx, { id, ...body }));
    await deps.accessChanges.publish();
    const operator = await operatorsRepo.findOperator(deps.db, id);
    res.status(createdOrOk(created)).json({ ...operator, department_ids: await operatorsRepo.departmentIdsOf(deps.db, id) });
  });

  router.put('/admin/tasks/:id', async (req, res) => {
    const id = parseInput(pathId, req.params.id, 'path');
    const body = parseInput(taskUpsert, req.body, 'body');
    // The answer is read in the writing transaction, whose row lock holds off a concurrent DELETE until
    // commit: the upsert answers with the task as written, and a delete waiting on it runs after.
    // (Read after commit, such a delete made the row vanish in between.)
    const { created, task } = await deps.db.transaction(async (trx) => {
      const existing = await upsertTasks(trx, [{ id, ...body }]);
      return { created: !existing.has(id), task: await tasksRepo.findTaskView(trx, id) };
    });
    if (!task) throw new Error(`task ${id} is missing inside the transaction that wrote it`);
    res.status(createdOrOk(created)).json(presentTask(task));
  });

  router.put('/admin/tasks', async (req, res) => {
    const tasks = parseInput(bulkTaskUpsert, req.body, 'body');
    const existing = await deps.db.transaction((trx) => upsertTasks(trx, tasks));
    res.json({ count: tasks.length, created: tasks.length - existing.size, updated: existing.size });
  });

  router.delete('/admin/tasks/:id', async (req, res) => {
    const id = parseInput(pathId, req.params.id, 'path');
    if (!(await deleteTask(deps.db, id))) throw taskNotFound(id);
    res.status(204).end();
  });

  router.post('/admin/tokens', async (req, res) => {
    const body = parseInput(tokenCreate, req.body, 'body');
    if (body.operator_id !== undefined && !(await operatorsRepo.findOperator(deps.db, body.operator_id))) {
      throw noSuchOperator(body.operator_id, 'body.operator_id');
    }
    if (body.department_ids?.length) {
      const found = new Set((await deps.db('departments').whereIn('id', body.department_ids).pluck('id')).map(Number));
      const missing = body.department_ids.filter((departmentId) => !found.has(departmentId));
      if (missing.length) {
        throw validationProblem({ en: `Departments ${missing.join(', ')} do not exist.`, zh: `部门 ${missing.join('、')} 不存在` }, [{ path: 'body.department_ids', message: 'no such department' }]);
      }
    }
    const { row, token } = await tokensRepo.createToken(deps.db, body);
    res.status(201).json({
      id: row.id,
      kind: row.kind,
      name: row.name,
      token,
      ...(row.webhook_secret ? { webhook_secret: row.webhook_secret } : {}),
    });
  });

  router.delete('/admin/tokens/:id', async (req, res) => {
    const id = parseInput(pathId, req.params.id, 'path');
    if (!(await tokensRepo.revokeToken(deps.db, id))) throw new HttpProblem(404, 'not_found', { en: `Token ${id} does not exist.`, zh: `令牌 ${id} 不存在` });
    await deps.accessChanges.publish();
    res.status(204).end();
  });

  return router;
}
