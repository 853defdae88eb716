import { Router, type Request } from 'express';
import { actingOperatorQuery, isInScope, listQuery, pathId, presentTask, scopeDepartments, tasksRepo, operatorsRepo } from '@taskclaim/shared';
import type { ApiDeps } from '../deps';
import { resolveActingOperator, visibleDepartments } from '../http/acting-operator';
import { callerOf } from '../http/auth';
import { DEFAULT_PAGE_SIZE, pageEnvelope, pageWindow } from '../http/pagination';
import { HttpProblem } from '../http/problem';
import { parseInput } from '../http/validate';

export function parseListQuery(req: Request) {
  const query = parseInput(listQuery, req.query, 'query');
  return { page: query.page ?? 1, pageSize: query.page_size ?? DEFAULT_PAGE_SIZE, operatorId: query.operator_id };
}

export function tasksRouter(deps: ApiDeps): Router {
  const router = Router();

  router.get('/workorder-tasks/claimable/', async (req, res) => {
    const query = parseListQuery(req);
    const caller = callerOf(res);
    const operatorId = await resolveActingOperator(deps.db, caller, query.operatorId, 'query');
    const departments = await visibleDepartments(deps.db, caller, operatorId);
    const { count, results } = await tasksRepo.pageClaimableTasks(deps.db, departments, pageWindow(query));
    res.json({ ...pageEnvelope(req, query, count, results.map(presentTask)), claimable_count: count });
  });

  router.get('/workorder-tasks/mine/', async (req, res) => {
    const query = parseInput(actingOperatorQuery, req.query, 'query');
    const caller = callerOf(res);
    const operatorId = await resolveActingOperator(deps.db, caller, query.operator_id, 'query');
    const [operator, tasks] = await Promise.all([
      operatorsRepo.findOperator(deps.db, operatorId),
      // A narrowed token counts and lists only the tasks of its departments.
      tasksRepo.listActiveTasks(deps.db, operatorId, scopeDepartments(caller)),
    ]);
    res.json({
      active_count: tasks.length,
      limit: operator?.max_active_tasks ?? deps.config.MAX_ACTIVE_TASKS,
      results: tasks.map(presentTask),
    });
  });

  router.get('/workorder-tasks/:id/', async (req, res) => {
    const taskId = parseInput(pathId, req.params.id, 'path');
    const task = await tasksRepo.findTaskView(deps.db, taskId);
    // Outside an integration's departments a task does not exist for it.
    if (!task || !isInScope(callerOf(res), task.assigned_department_id)) throw new HttpProblem(404, 'task_not_found', `Task ${taskId} does not exist.`);
    res.json(presentTask(task));
  });

  return router;
}
