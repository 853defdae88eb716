import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { errorHandler as bullBoardErrorHandler } from '@bull-board/api/dist/handlers/error';
import { ExpressAdapter } from '@bull-board/express';
import { isInfrastructureError } from '@taskclaim/shared';
import { Router, type RequestHandler } from 'express';
import type { ApiDeps } from '../deps';
import { HttpProblem } from '../http/problem';
import { rememberRouteMount } from '../metrics';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/** The token from `Authorization: Basic <any user>:<admin token>` (what a browser prompts for) or `Bearer <admin token>`. */
function tokenOf(header: string | undefined): string | undefined {
  const [scheme, value] = (header ?? '').split(' ');
  if (/^bearer$/i.test(scheme)) return value;
  if (!/^basic$/i.test(scheme) || !value) return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  return decoded.slice(decoded.indexOf(':') + 1) || undefined;
}

function adminOnly(deps: ApiDeps): RequestHandler {
  return async (req, _res, next) => {
    const token = tokenOf(req.headers.authorization);
    const caller = token && token.length <= 512 ? await deps.reads.token(token) : undefined;
    if (caller?.kind !== 'admin') {
      throw new HttpProblem(401, 'unauthorized', 'The queue dashboard needs an admin token as the password.', {}, {
        'WWW-Authenticate': 'Basic realm="taskclaim queues", charset="UTF-8"',
      });
    }
    next();
  };
}

/** bull-board's page links a web font CDN; a plant network has no internet, and the page reads well in its fallback fonts. */
const FONT_CDN_LINK = /<link href="https:\/\/fonts\.googleapis\.com[^>]*>/g;

/** The dashboard's page as rendered, without anything it would load from outside the service. */
const servedOffline: RequestHandler = (_req, res, next) => {
  const render = res.render.bind(res);
  res.render = (view: string, options?: object) =>
    render(view, options ?? {}, (error: Error | null, html: string) => (error ? next(error) : res.send(html.replace(FONT_CDN_LINK, ''))));
  next();
};

/** bull-board over every claim partition queue and the webhook queue, for admins only. */
export function queueDashboardRouter(deps: ApiDeps): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: [...deps.queues.queues, deps.webhooks.queue].map((queue) => new BullMQAdapter(queue, { readOnlyMode: false })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'taskclaim queues' } },
  });
  // bull-board answers what its routes throw with a 500; a Redis that does not answer (REDIS_TIMEOUT_MS) goes on to
  // the problem handler, like everywhere else: 503 + Retry-After.
  serverAdapter.setErrorHandler((error) => {
    if (isInfrastructureError(error)) throw error;
    return bullBoardErrorHandler(error);
  });
  const router = Router();
  router.use(QUEUE_DASHBOARD_PATH, rememberRouteMount, adminOnly(deps), servedOffline, serverAdapter.getRouter());
  return router;
}
