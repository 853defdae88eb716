import { applyClaim, claimsRepo, publishClaimsDecided, type ClaimRow } from '@taskclaim/shared';
import type { ApiDeps } from '../deps';
import { HttpProblem } from '../http/problem';

export interface ClaimSubmission extends claimsRepo.NewClaim {
  waitMs: number;
  signal: AbortSignal;
}

const redisDown = () =>
  new HttpProblem(503, 'service_unavailable', 'Redis is unavailable; retry shortly.', {}, { 'Retry-After': '5' });

/**
 * Stores the claim, then hands it to a partition queue (or, with CLAIM_DISPATCH=inline, applies it
 * here), and waits for the decision up to `waitMs`. Returns the claim as it is when answered.
 */
export async function submitClaim(deps: ApiDeps, submission: ClaimSubmission): Promise<ClaimRow> {
  const { waitMs, signal, ...newClaim } = submission;
  const log = deps.logger.child({ requestId: newClaim.request_id, taskId: newClaim.task_id });
  if (deps.config.CLAIM_DISPATCH === 'inline') {
    const claim = await claimsRepo.insertClaim(deps.db, newClaim);
    log.info('claim accepted', { claimId: claim.id, dispatch: 'inline' });
    const result = await applyClaim({ db: deps.db, defaultMaxActiveTasks: deps.config.MAX_ACTIVE_TASKS }, claim.id);
    if (result.kind === 'decided') {
      await publishClaimsDecided(deps.redis, deps.config.QUEUE_PREFIX, result.decided.map((d) => d.claimId)).catch(() => undefined);
    }
    return (await claimsRepo.findClaim(deps.db, claim.id)) as ClaimRow;
  }

  if (deps.redis.status !== 'ready') throw redisDown();
  const claim = await claimsRepo.insertClaim(deps.db, newClaim);
  const claimLog = log.child({ claimId: claim.id });
  // Listen before enqueueing, so a decision that comes back at once is not missed.
  const decided = waitMs > 0 ? deps.waiters.waitFor(claim.id, waitMs, signal) : undefined;
  try {
    await deps.queues.enqueue([{ claimId: claim.id, taskId: claim.task_id, requestId: claim.request_id }]);
    claimLog.info('claim accepted', { dispatch: 'queue' });
  } catch (error) {
    // The row is stored, so the claim is accepted: the reconciler enqueues it once Redis is back.
    claimLog.warn('claim stored but not enqueued; the reconciler will enqueue it', { error: (error as Error).message });
  }
  if (!decided) return claim;
  await decided;
  return (await claimsRepo.findClaim(deps.db, claim.id)) as ClaimRow;
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
    const current = (await claimsRepo.findClaim(deps.db, claim.id)) as ClaimRow;
    if (claimsRepo.isTerminal(current.status)) return current;
    await decided;
    return (await claimsRepo.findClaim(deps.db, claim.id)) as ClaimRow;
  } finally {
    stop.abort();
    signal.removeEventListener('abort', onAbort);
  }
}
