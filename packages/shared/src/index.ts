/**
 * The claim use cases, which both the worker and the API's inline dispatch run, and their metrics.
 * Every layer below them has its own entry point (`@taskclaim/shared/domain`, `/contracts`, `/runtime`,
 * `/db`, `/queue`, `/presenters`); docs/architecture.md says what may import what.
 */
export { type ApplyClaimDeps, type ApplyScope, decideLockedClaims, decideQueuedClaims } from './claims/apply-claim';
export { recordClaimEvent } from './claims/record-claim-event';
export { makeReportDecisions, type ReportDecisions, type ReportDecisionsDeps } from './claims/report-decisions';
export { type ClaimDecisionMetrics, makeClaimDecisionMetrics, makeMetricsRegistry } from './metrics';
