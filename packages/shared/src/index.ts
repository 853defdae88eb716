/**
 * Every layer, for code that has not moved to a layer's own entry point. Each entry point names its
 * exports (no `export *` of a folder's files): listing them again here would be a second copy of
 * each list. The claim use cases and their metrics are named only here. docs/architecture.md says
 * what may import what.
 */
export * from './domain';
export * from './contracts';
export * from './runtime';
export * from './db';
export * from './queue';
export * from './presenters';
export { type ApplyClaimDeps, type ApplyScope, decideLockedClaims, decideQueuedClaims } from './claims/apply-claim';
export { recordClaimEvent } from './claims/record-claim-event';
export { submitLeaseExpiries } from './claims/submit-lease-expiries';
export { makeReportDecisions, type ReportDecisions, type ReportDecisionsDeps } from './claims/report-decisions';
export { type ClaimDecisionMetrics, makeClaimDecisionMetrics, makeMetricsRegistry } from './metrics';
