import type { Logger } from '../runtime/logger';
import type { ClaimDecisionMetrics } from '../metrics';
import { publishClaimsDecided, type DecidedClaim } from '../queue/claim-events';
import type { RedisClient } from '../queue/redis';
import type { Lease, LeaseQueue } from '../queue/lease-queue';
import type { WebhookQueue } from '../queue/webhook-queue';

export interface ReportDecisionsDeps {
  publisher: RedisClient;
  prefix: string;
  webhooks: WebhookQueue;
  leases: LeaseQueue;
  metrics: ClaimDecisionMetrics;
  logger: Logger;
}

/**
 * What follows the commit of decided claims, wherever they were decided (the worker, or the API
 * under CLAIM_DISPATCH=inline): one log line per claim, metrics, the decision event that wakes the
 * waiters, the webhook jobs, and a delayed job for each lease that started. All best effort: the
 * outcome is committed already; a missed event delays only waiters (they read the row at their
 * timeout), a missed webhook job is enqueued by the reconciler from the outbox, a missed lease job is
 * made up for by the lease sweep.
 */
export function makeReportDecisions(deps: ReportDecisionsDeps) {
  /** A committed transaction's claims, decided by the rules or failed. */
  return async (claims: DecidedClaim[], transaction: { durationMs: number }): Promise<void> => {
    if (claims.length === 0) return;
    deps.metrics.observe(claims, transaction.durationMs / 1000);
    for (const { claim } of claims) {
      deps.logger.log(claim.status === 'failed' ? 'error' : 'info', 'claim decided', {
        claimId: claim.id,
        taskId: claim.task_id,
        requestId: claim.request_id,
        outcome: claim.status,
        code: claim.code,
        alreadyClaimed: claim.already_claimed,
        error: claim.status === 'failed' ? claim.params.reason : undefined,
        batchSize: claims.length,
        durationMs: transaction.durationMs,
      });
    }
    await publishClaimsDecided(
      deps.publisher,
      deps.prefix,
      claims.map(({ claim, task, username }) => ({ claim, task, username })),
    ).catch((error: Error) =>
      deps.logger.warn('could not publish decided claims; waiters will read them at their timeout', { claimIds: claims.map((c) => c.claim.id), error: error.message }),
    );
    await deps.leases.schedule(leasesStarted(claims)).catch((error: Error) =>
      deps.logger.warn('could not schedule lease expiries; the lease sweep will find them', { claimIds: claims.map((c) => c.claim.id), error: error.message }),
    );
    const events = claims.flatMap((c) => (c.webhook ? [c.webhook] : []));
    if (events.length === 0) return;
    await deps.webhooks.enqueue(events).catch((error: Error) =>
      deps.logger.warn('could not enqueue webhooks; the reconciler will', {
        claimIds: events.map((e) => e.claimId),
        webhookIds: events.map((e) => e.webhookId),
        error: error.message,
      }),
    );
  };
}

/** The leases these decisions started: a task assigned by one of them, whose lease runs. */
const leasesStarted = (claims: DecidedClaim[]): Lease[] =>
  claims.flatMap(({ claim, task }) =>
    task?.lease_expires_at && claim.status === 'succeeded' && !claim.already_claimed && task.assigned_operator_id === claim.operator_id
      ? [{ taskId: task.id, expiresAt: task.lease_expires_at }]
      : [],
  );

export type ReportDecisions = ReturnType<typeof makeReportDecisions>;
