import { applyClaim, claimsRepo, publishClaimsDecided, type ClaimRow } from '@taskclaim/shared';
import type { ApiDeps } from '../deps';
import { HttpProblem } from '../http/problem';
import { assertSameRequest } from './idempotency';

export interface ClaimSubmission extends claimsRepo.NewClaim {
  waitMs: number;
  signal: AbortSignal;
}

const redisDown = () =>
  new HttpProblem(503, 'service_unavailable', 'Redis is unavailable; retry shortly.', {}, { 'Retry-After': '5' });

/**
 * Stores the claim and hands it to a partition queue (or, with CLAIM_DISPATCH=inline, applies it
 * here), then waits for the decision up to `waitMs`. Returns the claim as it is when answered.
 * A submission that loses an Idempotency-Key race to a concurrent twin answers with the twin's claim.
 */
export async function submitClaim(deps: ApiDeps, submission: ClaimSubmission): Promise<ClaimRow> {
  const { waitMs, signal, ...newClaim } = submission;
  const dispatch = deps.config.CLAIM_DISPATCH;
  if (dispatch === 'queue' && deps.redis.status !== 'ready') throw redisDown();
  const claim = await deps.acceptor.store(newClaim);
  if (!claim) return replayIdempotentClaim(deps, submission);
  deps.logger.info('claim accepted', { claimId: claim.id, taskId: claim.task_id, requestId: claim.request_id, dispatch });
  deps.metrics.claimsAccepted.inc({ dispatch });
  if (dispatch === 'queue') return waitForDecision(deps, claim, waitMs, signal);

  const started = performance.now();
  const result = await applyClaim({ db: deps.db, defaultMaxActiveTasks: deps.config.MAX_ACTIVE_TASKS }, claim.id);
  if (result.kind === 'decided') {
    deps.metrics.decisions.observe(result.decided, (performance.now() - started) / 1000);
    // After commit, best effort: a missed event delays only waiters; a missed webhook job, the reconciler enqueues.
    await publishClaimsDecided(deps.redis, deps.config.QUEUE_PREFIX, result.decided.map((d) => d.claimId)).catch(() => undefined);
    await deps.webhooks.enqueue(result.decided.flatMap((d) => (d.webhook ? [d.webhook] : []))).catch(() => undefined);
  }
  return (await claimsRepo.findClaim(deps.db, claim.id)) as ClaimRow;
}

/** The original claim of an Idempotency-Key, answered as a new request would be (waiting under Prefer: wait). */
export async function replayIdempotentClaim(
  deps: ApiDeps,
  submission: Pick<ClaimSubmission, 'token_id' | 'idempotency_key' | 'request_fingerprint' | 'waitMs' | 'signal'>,
  original?: ClaimRow,
): Promise<ClaimRow> {
  original ??= await claimsRepo.findClaimByIdempotencyKey(deps.db, submission.token_id, submission.idempotency_key as string);
  if (!original) throw new Error('idempotency conflict without an original claim');
  assertSameRequest(original, submission.request_fingerprint as string);
  return waitForDecision(deps, original, submission.waitMs, submission.signal);
}

/** Holds a read of a claim until it is decided or `waitMs` passes, woken by the workers' events. */
export async function waitForDecision(deps: ApiDeps, claim: ClaimRow, waitMs: number, signal: AbortSignal): Promise<ClaimRow> {
  if (waitMs <= 0 || claimsRepo.isTerminal(claim.status)) return claim;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort);
  try {
    const decided = deps.waiters.waitFor(claim.id, waitMs, stop.signal);
    // Read again after subscribing: the decision may have landed between the first read and now.
    const current = (await deps.reads.claim(claim.id)) as ClaimRow;
    if (claimsRepo.isTerminal(current.status)) return current;
    await decided;
    return (await deps.reads.claim(claim.id)) as ClaimRow;
  } finally {
    stop.abort();
    signal.removeEventListener('abort', onAbort);
  }
}
