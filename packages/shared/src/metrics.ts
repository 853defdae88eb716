import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DecidedClaim } from './queue/claim-events';

/** One registry per process (and per test), labelled with the kind of process. */
export function makeMetricsRegistry(service: 'api' | 'claim-worker'): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'taskclaim_' });
  return registry;
}

export interface ClaimDecisionMetrics {
  /** counts the decisions of one transaction (failed claims are not decisions) and how long it took */
  observe(claims: DecidedClaim[], transactionSeconds: number): void;
}

/** Where claims are decided: the worker, or the API under CLAIM_DISPATCH=inline. */
export function makeClaimDecisionMetrics(registry: Registry): ClaimDecisionMetrics {
  const decided = new Counter({
    name: 'taskclaim_claims_decided_total',
    help: 'Requests decided (claims, claim-next, releases, ...), by action, outcome and rule code (code "none" for successes)',
    labelNames: ['action', 'outcome', 'code'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'taskclaim_claim_accept_to_decision_seconds',
    help: 'From the claim being stored to its decision being committed',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const transaction = new Histogram({
    name: 'taskclaim_claim_transaction_seconds',
    help: 'Duration of one decision transaction (it may decide several queued claims of a task)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [registry],
  });
  return {
    observe(claims, transactionSeconds) {
      transaction.observe(transactionSeconds);
      for (const { claim } of claims) {
        if (claim.status !== 'succeeded' && claim.status !== 'rejected') continue;
        const code = claim.status === 'rejected' ? (claim.code as string) : claim.already_claimed ? 'already_yours' : 'none';
        decided.inc({ action: claim.action, outcome: claim.status, code });
        latency.observe(((claim.completed_at as Date).getTime() - claim.submitted_at.getTime()) / 1000);
      }
    },
  };
}
