import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { errorHandler as bullBoardErrorHandler } from '@bull-board/api/dist/handlers/error';
import { ExpressAdapter } from '@bull-board/express';
import {
  CLAIM_NEXT_PARTITION,
  claimQueueName,
  LEASE_QUEUE_NAME,
  RECONCILER_QUEUE_NAME,
  WEBHOOK_QUEUE_NAME,
} from '@taskclaim/shared/queue';
import { isInfrastructureError } from '@taskclaim/shared/runtime';
import type { Queue } from 'bullmq';
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
      throw new HttpProblem(401, 'unauthorized', { en: 'The queue dashboard needs an admin token as the password.', zh: '队列仪表盘需要以管理员令牌作为密码' }, {}, {
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

/** What a job of each queue stands for, shown under its name: a claim's own state lives in PostgreSQL, not in its job. */
function descriptionOf(name: string, reconcileIntervalMs: number): string {
  if (name === claimQueueName(CLAIM_NEXT_PARTITION)) {
    return 'Claim-next requests. A job wakes this partition and decides its queued requests in acceptance order; one job waits at most, its data names the requests that added it.';
  }
  if (name.startsWith('claims-')) {
    return 'A claim partition. A job wakes it and decides its queued claims (kept in PostgreSQL) in acceptance order, one at a time across all workers; one job waits at most, its data names the claims that added it.';
  }
  const descriptions: Record<string, string> = {
    [WEBHOOK_QUEUE_NAME]: 'A job per webhook event to send; a retry waits as delayed. Each attempt is recorded in the PostgreSQL outbox.',
    [LEASE_QUEUE_NAME]: 'A delayed job per claim lease, run when the lease ends: it submits the expiry that returns an unstarted task to the pool.',
    [RECONCILER_QUEUE_NAME]: `A job per reconciler round, every ${reconcileIntervalMs / 1000} s, run by one worker. Its return value is what it enqueued again: claims left queued (claims, claimIds) and overdue webhook events (webhooks).`,
  };
  return descriptions[name] ?? '';
}

/** bull-board over every queue the system uses (claim partitions, claim-next, webhooks, leases, reconciler rounds), for admins only. */
export function queueDashboardRouter(deps: ApiDeps): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  const queues: Queue[] = [...deps.queues.queues, deps.webhooks.queue, deps.leases.queue, deps.reconcilerRounds.queue];
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: false, description: descriptionOf(queue.name, deps.config.RECONCILE_INTERVAL_MS) })),
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'taskclaim queues',
        // bull-board's own documentation is on the internet, which a plant network does not reach.
        hideDocsLink: true,
        miscLinks: [
          { text: 'Operator console', url: '/console/' },
          { text: 'API docs', url: '/docs' },
          { text: 'API metrics', url: '/metrics' },
        ],
      },
    },
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
