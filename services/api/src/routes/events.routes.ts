import { Router } from 'express';
import type { ApiDeps } from '../deps';
import { callerOf } from '../http/auth';

/** GET /api/events: Server-Sent Events of the caller's departments and own requests (SPEC §4 "Live events"). */
export function eventsRouter(deps: ApiDeps): Router {
  const router = Router();
  router.get('/events', (_req, res) => deps.events.open(res, callerOf(res)));
  return router;
}
