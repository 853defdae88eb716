import { randomUUID } from 'node:crypto';
import express, { type RequestHandler } from 'express';
import type { ApiDeps } from './deps';
import { makeAuthenticate } from './http/auth';
import { makeProblemHandler, notFoundHandler } from './http/problem';
import { makeRateLimit } from './http/rate-limit';
import { makeOpenApiDocument } from './openapi';
import { adminRouter } from './routes/admin.routes';
import { claimsRouter } from './routes/claims.routes';
import { consoleRouter } from './routes/console.routes';
import { docsRouter } from './routes/docs.routes';
import { eventsRouter } from './routes/events.routes';
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

export function makeApp(deps: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Answers are small and never cached: an ETag would be a hash of every body for nothing.
  app.set('etag', false);
  app.set('trust proxy', false);
  app.use(requestId);
  app.use(deps.metrics.httpDurations);
  // The API first: a claim's requests pass no other router's layers.
  const rateLimit = makeRateLimit(deps.rateLimiter, deps.config.RATE_LIMIT_PER_MINUTE);
  app.use('/api', makeAuthenticate(deps.reads.token), rateLimit, claimsRouter(deps), tasksRouter(deps), notificationsRouter(deps), eventsRouter(deps), adminRouter(deps));
  app.use(operationsRouter(deps));
  app.use(docsRouter(makeOpenApiDocument()));
  app.use(consoleRouter());
  app.use(queueDashboardRouter(deps));
  app.use(notFoundHandler);
  app.use(makeProblemHandler(deps.logger));
  return app;
}
