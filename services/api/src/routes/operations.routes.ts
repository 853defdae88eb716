import { Router } from 'express';
import type { ApiDeps } from '../deps';
import { HttpProblem } from '../http/problem';

export function operationsRouter(deps: ApiDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  // Each check is bounded by its store's time limit (DATABASE_TIMEOUT_MS, REDIS_TIMEOUT_MS).
  router.get('/readyz', async (_req, res) => {
    const [postgres, redis] = await Promise.allSettled([deps.db.raw('SELECT 1'), deps.redis.ping()]);
    const checks = { postgres: postgres.status === 'fulfilled' ? 'ok' : 'unavailable', redis: redis.status === 'fulfilled' ? 'ok' : 'unavailable' };
    if (postgres.status === 'rejected' || redis.status === 'rejected') {
      throw new HttpProblem(503, 'service_unavailable', { en: 'PostgreSQL or Redis is unreachable.', zh: '无法连接 PostgreSQL 或 Redis' }, { checks }, { 'Retry-After': '5' });
    }
    res.json({ status: 'ready', checks });
  });
  return router;
}
