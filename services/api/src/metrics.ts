import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { makeClaimDecisionMetrics, makeMetricsRegistry, type ClaimDecisionMetrics } from '@taskclaim/shared';
import type { ClaimWaiters } from './claims/claim-waiters';

export interface ApiMetrics {
  registry: Registry;
  claimsAccepted: Counter<'action' | 'dispatch'>;
  /** decisions made in this process (CLAIM_DISPATCH=inline) */
  decisions: ClaimDecisionMetrics;
  httpDurations: RequestHandler;
}

export function makeApiMetrics(waiters: () => ClaimWaiters): ApiMetrics {
  const registry = makeMetricsRegistry('api');
  const claimsAccepted = new Counter({
    name: 'taskclaim_claims_accepted_total',
    help: 'Requests (claims, claim-next, releases, ...) stored by this API process, by action',
    labelNames: ['action', 'dispatch'],
    registers: [registry],
  });
  new Gauge({
    name: 'taskclaim_claim_waiters',
    help: 'Requests of this process waiting for a decision (Prefer: wait)',
    registers: [registry],
    collect() {
      this.set(waiters().count());
    },
  });
  const durations = new Histogram({
    name: 'taskclaim_http_request_duration_seconds',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const httpDurations: RequestHandler = (req, res, next) => {
    const stop = durations.startTimer();
    res.on('finish', () => {
      // The route pattern, not the path: ids must not multiply label values. Its mount is the one
      // remembered when the route ran: an error answered outside the router has lost its baseUrl.
      const route = req.route ? `${(res.locals.routeMount as string | undefined) ?? ''}${String(req.route.path)}` : 'unmatched';
      stop({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
  return { registry, claimsAccepted, decisions: makeClaimDecisionMetrics(registry), httpDurations };
}

/** First in a mounted router: the metrics label its routes with this mount (e.g. `/api`). */
export const rememberRouteMount: RequestHandler = (req, res, next) => {
  res.locals.routeMount = req.baseUrl;
  next();
};
