import { Router, type Request } from 'express';
import { actingOperatorQuery, listQuery, pageQuery, pathId } from '@taskclaim/shared/contracts';
import { tasksRepo, type TaskView } from '@taskclaim/shared/db';
import { presentTask } from '@taskclaim/shared/presenters';
import { scopeDepartments } from '@taskclaim/shared/domain';
import { pageClaimsOfTask } from '../db/claims.repository';
import { findOperator } from '../db/operators.repository';
import { presentClaimAsDecided } from '../presenters/claim-history.presenter';
import type { ApiDeps } from '../deps';
import { resolveActingOperator, visibleDepartments } from '../http/acting-operator';
import { callerOf, type Caller } from '../http/auth';
import { languageOf } from '../http/language';
import { pageEnvelope, pageRequestOf, pageWindow, readList } from '../http/pagination';
import { taskNotFound } from '../http/problem';
import { callerSeesTask } from '../http/task-visibility';
import { parseInput } from '../http/validate';

export function parseListQuery(req: Request) {
  const query = parseInput(listQuery, req.query, 'query');
  return { ...pageRequestOf(query), operatorId: query.operator_id };
}

/** A task the caller does not see (SPEC §4 Scope) does not exist for it. */
async function findVisibleTask(deps: ApiDeps, caller: Caller, taskId: number): Promise<TaskView> {
  const task = await tasksRepo.findTaskView(deps.db, taskId);
  if (!task || !(await callerSeesTask(deps.reads, caller, task))) throw taskNotFound(taskId);
  return task;
}

export function tasksRouter(deps: ApiDeps): Router {
  const router = Router();

  router.get('/workorder-tasks/claimable/', async (req, res) => {
    const query = parseListQuery(req);
    const caller = callerOf(res);
    const operatorId = await resolveActingOperator(deps.db, caller, query.operatorId, 'query');
    const [departmentIds, operator] = await Promise.all([visibleDepartments(deps.db, caller, operatorId), findOperator(deps.db, operatorId)]);
    const { count, results } = await readList(deps.listReads, res, () => tasksRepo.pageClaimableTasks(deps.db, { departmentIds, skills: operator?.skills ?? [] }, pageWindow(query)));
    res.json({ ...pageEnvelope(req, query, count, results.map(presentTask)), claimable_count: count });
  });

  router.get('/workorder-tasks/mine/', async (req, res) => {
    const query = parseInput(actingOperatorQuery, req.query, 'query');
    const caller = callerOf(res);
    const operatorId = await resolveActingOperator(deps.db, caller, query.operator_id, 'query');
    const [operator, tasks] = await Promise.all([
      findOperator(deps.db, operatorId),
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
    res.json(presentTask(await findVisibleTask(deps, callerOf(res), taskId)));
  });

  // The task's history: admins and integrations (of its department) see every request, an operator its own.
  router.get('/workorder-tasks/:id/claims/', async (req, res) => {
    const taskId = parseInput(pathId, req.params.id, 'path');
    const page = pageRequestOf(parseInput(pageQuery, req.query, 'query'));
    const caller = callerOf(res);
    await findVisibleTask(deps, caller, taskId);
    const operatorId = caller.kind === 'operator' ? (caller.operator_id as number) : undefined;
    const { count, results } = await readList(deps.listReads, res, () => pageClaimsOfTask(deps.db, taskId, pageWindow(page), operatorId));
    const language = languageOf(req);
    res.json(pageEnvelope(req, page, count, results.map((claim) => presentClaimAsDecided(claim, language))));
  });

  return router;
}
