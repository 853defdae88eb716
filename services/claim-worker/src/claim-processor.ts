import type { Job } from 'bullmq';
import {
  applyClaim,
  failClaim,
  partitionOf,
  publishClaimsDecided,
  type ClaimJobData,
  type Config,
  type Db,
  type ClaimDecisionMetrics,
  type Logger,
  type RedisClient,
  type WebhookJobData,
  type WebhookQueue,
} from '@taskclaim/shared';
import { makeRecentDecisions } from './recent-decisions';

export interface ClaimProcessorDeps {
  config: Config;
  db: Db;
  publisher: RedisClient;
  logger: Logger;
  webhooks: WebhookQueue;
  metrics: ClaimDecisionMetrics;
}

/**
 * How many queued claims of a partition one transaction decides at most: one commit for a burst's
 * backlog instead of one per claim, while locks stay short.
 */
export const CLAIM_BATCH_SIZE = 100;

const isFinalAttempt = (job: Job): boolean => job.attemptsMade + 1 >= (job.opts.attempts ?? 1);

/**
 * Applies one claim job. Rule rejections are outcomes (the job completes); anything thrown is an
 * infrastructure error or a bug and is retried with backoff. When the last attempt fails the claim
 * ends `failed`; if even that write fails it stays `queued` and the reconciler enqueues it again.
 */
export function makeClaimProcessor(deps: ClaimProcessorDeps) {
  const publish = (claimIds: number[]) =>
    publishClaimsDecided(deps.publisher, deps.config.QUEUE_PREFIX, claimIds).catch((error: Error) =>
      deps.logger.warn('could not publish decided claims; waiters will read them at their timeout', { claimIds, error: error.message }),
    );
  // The outbox rows are committed already: if Redis refuses them now, the reconciler enqueues them later.
  const enqueueWebhooks = (events: WebhookJobData[]) =>
    deps.webhooks.enqueue(events).catch((error: Error) =>
      deps.logger.warn('could not enqueue webhooks; the reconciler will', {
        claimIds: events.map((e) => e.claimId),
        webhookIds: events.map((e) => e.webhookId),
        error: error.message,
      }),
    );

  const recentDecisions = makeRecentDecisions();
  const delay = deps.config.FAULT_CLAIM_TX_DELAY_MS;
  const applyDeps = {
    db: deps.db,
    defaultMaxActiveTasks: deps.config.MAX_ACTIVE_TASKS,
    afterLocks: delay ? () => new Promise<void>((resolve) => setTimeout(resolve, delay)) : undefined,
  };

  /** One transaction: decide, then (after commit) report what it decided. */
  const applyOnce = async (job: Job<ClaimJobData>) => {
    const started = performance.now();
    const { claimId, taskId, requestId } = job.data;
    const scope = { partition: partitionOf(taskId, deps.config.CLAIM_PARTITIONS), limit: CLAIM_BATCH_SIZE };
    const result = await applyClaim(applyDeps, claimId, scope);
    const durationMs = Math.round(performance.now() - started);
    if (result.kind !== 'decided') return result;
    deps.metrics.observe(result.decided, durationMs / 1000);
    recentDecisions.add(result.decided.map((d) => d.claimId));
    for (const decided of result.decided) {
      const own = decided.claimId === claimId;
      deps.logger.info('claim decided', {
        claimId: decided.claimId,
        taskId: decided.taskId,
        requestId: own ? requestId : undefined,
        decidedWithClaimId: own ? undefined : claimId,
        outcome: decided.decision.outcome,
        code: decided.decision.outcome === 'rejected' ? decided.decision.code : null,
        alreadyClaimed: decided.decision.outcome === 'succeeded' ? decided.decision.alreadyClaimed : false,
        batchSize: result.decided.length,
        durationMs,
      });
    }
    await publish(result.decided.map((d) => d.claimId));
    await enqueueWebhooks(result.decided.flatMap((d) => (d.webhook ? [d.webhook] : [])));
    return result;
  };

  return async (job: Job<ClaimJobData>): Promise<string> => {
    const { claimId } = job.data;
    const log = deps.logger.child({ claimId, taskId: job.data.taskId, requestId: job.data.requestId, attempt: job.attemptsMade + 1 });
    if (recentDecisions.has(claimId)) {
      log.info('claim already decided; nothing to do', { result: 'decided_earlier_in_this_process' });
      return 'already_terminal';
    }
    try {
      // A backlog longer than one batch takes several transactions before it reaches this claim.
      let decidedHere = false;
      for (;;) {
        const result = await applyOnce(job);
        decidedHere ||= result.kind === 'decided' && result.decided.some((decided) => decided.claimId === claimId);
        if (result.kind === 'decided' && !result.targetDecided) continue;
        // A re-delivered job, or one whose claim an earlier job's batch took: exactly-once means no effect here.
        if (!decidedHere) log.info('claim already decided; nothing to do', { result: result.kind });
        return result.kind;
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!isFinalAttempt(job)) {
        log.warn('claim attempt failed; retrying with backoff', { error: message });
        throw error;
      }
      const { marked, webhook } = await failClaim(deps.db, claimId, message).catch(() => ({ marked: false, webhook: undefined }));
      log.error('claim failed after its last attempt', { error: message, markedFailed: marked });
      if (marked) await publish([claimId]);
      if (webhook) await enqueueWebhooks([webhook]);
      throw error;
    }
  };
}
