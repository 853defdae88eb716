import express from 'express';
import type { Logger } from '@taskclaim/shared/runtime';
import { HttpProblem, makeProblemHandler } from './problem';
import { securityHeaders } from './security-headers';

export type StoreChecks = Record<'postgres' | 'redis', 'ok' | 'unavailable'>;

/**
 * What the API answers while it waits at start-up for PostgreSQL or Redis (SPEC §1: 503 with
 * Retry-After while a store is unreachable): /healthz 200 (the process is up), /readyz 503 naming
 * the store still awaited, and every other request 503. `checks` is read at each request.
 */
export function makeStartingApp(checks: Readonly<StoreChecks>, logger: Logger): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use((req) => {
    const detail = { en: 'The API is starting: it waits for PostgreSQL or Redis to be reachable.', zh: 'API 正在启动：正在等待 PostgreSQL 或 Redis 可用' };
    throw new HttpProblem(503, 'service_unavailable', detail, req.path === '/readyz' ? { checks } : {}, { 'Retry-After': '5' });
  });
  app.use(makeProblemHandler(logger));
  return app;
}
