import { Router } from 'express';
import { actingOperatorQuery } from '@taskclaim/shared/contracts';
import { markNotificationsReadBody } from '../contracts/notifications';
import { scopeDepartments } from '@taskclaim/shared/domain';
import * as notificationsRepo from '../db/notifications.repository';
import { presentNotification } from '../presenters/notification.presenter';
import type { ApiDeps } from '../deps';
import { resolveActingOperator } from '../http/acting-operator';
import { callerOf } from '../http/auth';
import { jsonBody } from '../http/json-body';
import { languageOf } from '../http/language';
import { pageEnvelope, pageWindow, readList } from '../http/pagination';
import { parseInput } from '../http/validate';
import { CLAIM_BODY_LIMIT } from './claims.routes';
import { parseListQuery } from './tasks.routes';

export function notificationsRouter(deps: ApiDeps): Router {
  const router = Router();
  router.get('/notifications/', async (req, res) => {
    const query = parseListQuery(req);
    const caller = callerOf(res);
    const operatorId = await resolveActingOperator(deps.db, caller, query.operatorId, 'query');
    const { count, results } = await readList(deps.listReads, res, () => notificationsRepo.pageNotifications(deps.db, operatorId, pageWindow(query), scopeDepartments(caller)));
    const language = languageOf(req);
    res.json(pageEnvelope(req, query, count, results.map((row) => presentNotification(row, language))));
  });

  // Integration and admin tokens name the operator as on the list: `?operator_id=`.
  router.post('/notifications/read', jsonBody(CLAIM_BODY_LIMIT), async (req, res) => {
    const body = parseInput(markNotificationsReadBody, req.body ?? {}, 'body');
    const query = parseInput(actingOperatorQuery, req.query, 'query');
    const caller = callerOf(res);
    const operatorId = await resolveActingOperator(deps.db, caller, query.operator_id, 'query');
    const updated = await notificationsRepo.markNotificationsRead(deps.db, operatorId, body.ids, scopeDepartments(caller));
    res.json({ updated });
  });
  return router;
}
