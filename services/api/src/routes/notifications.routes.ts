import { Router } from 'express';
import { notificationsRepo, presentNotification, scopeDepartments } from '@taskclaim/shared';
import type { ApiDeps } from '../deps';
import { resolveActingOperator } from '../http/acting-operator';
import { callerOf } from '../http/auth';
import { languageOf } from '../http/language';
import { pageEnvelope, pageWindow } from '../http/pagination';
import { parseListQuery } from './tasks.routes';

export function notificationsRouter(deps: ApiDeps): Router {
  const router = Router();
  router.get('/notifications/', async (req, res) => {
    const query = parseListQuery(req);
    const caller = callerOf(res);
    const operatorId = await resolveActingOperator(deps.db, caller, query.operatorId, 'query');
    const { count, results } = await notificationsRepo.pageNotifications(deps.db, operatorId, pageWindow(query), scopeDepartments(caller));
    const language = languageOf(req);
    res.json(pageEnvelope(req, query, count, results.map((row) => presentNotification(row, language))));
  });
  return router;
}
