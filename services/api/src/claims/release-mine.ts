import { createHash } from 'node:crypto';
import { claimsRepo } from '@taskclaim/shared/db';
import { scopeDepartments } from '@taskclaim/shared/domain';
import { type DecidedClaim } from '@taskclaim/shared/queue';
import * as releaseMineRepo from '../db/release-mine.repository';
import { pendingTaskIdsOf } from '../db/tasks.repository';
import type { ApiDeps } from '../deps';
import { callbackRefusal, submitClaim, type ClaimRequestFields, type SubmitOutcome } from './submit-claim';

/**
 * The releases, as they stand when answered (`waited`: the client asked to wait for them, or inline
 * dispatch decided them as they were stored); or why none was made (a refusal of submitClaim's).
 */
export type ReleaseMineOutcome = { kind: 'answered'; releases: DecidedClaim[]; waited: boolean } | Exclude<SubmitOutcome, { kind: 'answered' }>;

/** Each task's release under its own key derived from the request's (a space never occurs in a client's key), so a concurrent duplicate makes the same requests. */
const releaseKey = (key: string, taskId: number) => `${key} ${taskId}`;

const fingerprintOf = (submission: ClaimRequestFields) =>
  createHash('sha256').update(JSON.stringify([submission.operatorId, submission.notes, submission.callbackUrl])).digest('hex');

/**
 * Shift handover (SPEC §4): one release request per task the operator holds that is still pending
 * (within an integration token's departments), each submitted like a release — stored, queued to its
 * task's partition and decided there in order with the task's other requests. With an
 * Idempotency-Key the requests made are recorded, so a replay answers those same requests and
 * releases nothing twice. Under `Prefer: wait` it waits for all of them, up to one shared deadline.
 */
export async function releaseMine(deps: ApiDeps, submission: ClaimRequestFields): Promise<ReleaseMineOutcome> {
  const refused = callbackRefusal(submission.caller, submission.callbackUrl);
  if (refused) return refused;
  const { caller, idempotencyKey } = submission;
  const fingerprint = fingerprintOf(submission);
  const recorded = idempotencyKey ? await releaseMineRepo.findByIdempotencyKey(deps.db, caller.id, idempotencyKey) : undefined;
  let claims: claimsRepo.ClaimRow[];
  if (recorded) {
    if (recorded.request_fingerprint !== fingerprint) return { kind: 'idempotency_conflict', claimId: recorded.claim_ids[0] ?? 0 };
    claims = await storedClaims(deps, recorded.claim_ids);
  } else {
    const taskIds = await pendingTaskIdsOf(deps.db, submission.operatorId, scopeDepartments(caller));
    const outcomes = await Promise.all(
      taskIds.map((taskId) =>
        // Each release is only stored here; the wait, if any, is for all of them below.
        submitClaim(deps.claims, { ...submission, action: 'release', taskId, departmentIds: null, idempotencyKey: idempotencyKey && releaseKey(idempotencyKey, taskId), waitMs: 0 }),
      ),
    );
    // A task deleted since it was listed has nothing to release; any other refusal is the whole request's.
    const failure = outcomes.find((outcome) => outcome.kind !== 'answered' && outcome.kind !== 'task_not_found');
    if (failure) return failure as Exclude<SubmitOutcome, { kind: 'answered' }>;
    claims = outcomes.flatMap((outcome) => (outcome.kind === 'answered' ? [outcome.decided.claim] : []));
    if (idempotencyKey) {
      const record = await releaseMineRepo.record(deps.db, { token_id: caller.id, idempotency_key: idempotencyKey, request_fingerprint: fingerprint, claim_ids: claims.map((claim) => claim.id) });
      // A concurrent request with the same key recorded first: answer what it recorded.
      if (record.claim_ids.join() !== claims.map((claim) => claim.id).join()) claims = await storedClaims(deps, record.claim_ids);
    }
  }
  // One cancel for all of the waits: the client that goes away is the same for each.
  const cancels: (() => void)[] = [];
  const onCancel = (cancel: () => void) => {
    if (cancels.push(cancel) === 1) submission.onCancel?.(() => cancels.forEach((each) => each()));
  };
  const releases = await Promise.all(claims.map((claim) => deps.claims.waitForDecision(claim, submission.waitMs, { holder: caller.id, onCancel })));
  return { kind: 'answered', releases, waited: submission.waitMs > 0 || deps.claims.dispatch.decidesAsStored };
}

async function storedClaims(deps: ApiDeps, claimIds: number[]): Promise<claimsRepo.ClaimRow[]> {
  const rows = await claimsRepo.findClaims(deps.db, claimIds);
  return claimIds.flatMap((id) => rows.get(id) ?? []);
}
