import { randomUUID } from 'node:crypto';
import express, { type Request, type RequestHandler } from 'express';
import type { ApiDeps } from './deps';
import { makeAuthenticate } from './http/auth';
import { makeConcurrencyLimit } from './http/concurrency-limit';
import { parsePrefer } from './http/prefer';
import { makeProblemHandler, notFoundHandler } from './http/problem';
import { makeRateLimit } from './http/rate-limit';
import { securityHeaders } from './http/security-headers';
import { rememberRouteMount } from './metrics';
import { makeOpenApiDocument } from './openapi';
import { adminRouter } from './routes/admin.routes';
import { claimsRouter } from './routes/claims.routes';
import { consoleRouter } from './routes/console.routes';
import { docsRouter } from './routes/docs.routes';
import { eventsRouter } from './routes/events.routes';
import { meRouter } from './routes/me.routes';
import { queueDashboardRouter } from './routes/queue-dashboard.routes';
import { notificationsRouter } from './routes/notifications.routes';
import { operationsRouter } from './routes/operations.routes';
import { tasksRouter } from './routes/tasks.routes';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Takes the client's X-Request-Id when it is sane, else makes one; echoed and logged with the claim. */
const requestId: RequestHandler = (req, res, next) => {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  res.locals.requestId = id;
  res.setHeader('X-Request-Id', id);
  next();
};

/**
 * Requests that hold a connection but no PostgreSQL work have caps of their own (SPEC §6): a stream
 * (MAX_STREAMS_PER_TOKEN) and a long-poll of a claim (MAX_WAITS_PER_TOKEN). A POST that waits counts
 * until its claim is stored.
 */
const countsApart = (req: Request): boolean =>
  req.method === 'GET' && (req.path === '/events' || (/^\/claims\/[^/]+$/.test(req.path) && parsePrefer(req.headers.prefer).waitSeconds > 0));

export function makeApp(deps: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Answers are small and never cached: an ETag would be a hash of every body for nothing.
  app.set('etag', false);
  app.set('trust proxy', false);
  app.use(requestId, securityHeaders);
  app.use(deps.metrics.httpDurations);
  // The API first: a claim's requests pass no other router's layers.
  const rateLimit = makeRateLimit(deps.rateLimiter, deps.config.RATE_LIMIT_PER_MINUTE);
  const concurrencyLimit = makeConcurrencyLimit(deps.config.MAX_CONCURRENT_PER_TOKEN, countsApart);
  // One layer matches `/api`; the layers inside it match no path, so a request pays for the prefix once, not once per layer.
  const api = express.Router();
  api.use(rememberRouteMount, makeAuthenticate(deps.reads.token), rateLimit, concurrencyLimit, claimsRouter(deps), tasksRouter(deps), notificationsRouter(deps), meRouter(deps), eventsRouter(deps), adminRouter(deps));
  app.use('/api', api);
  app.use(operationsRouter(deps));
  app.use(docsRouter(makeOpenApiDocument()));
  app.use(consoleRouter());
  app.use(queueDashboardRouter(deps));
  app.use(notFoundHandler);
  app.use(makeProblemHandler(deps.logger));
  return app;
}
