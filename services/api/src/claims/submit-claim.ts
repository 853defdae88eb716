import { isInScope, isTerminal, scopeDepartments, type ClaimAction } from '@taskclaim/shared/domain';
import { partitionOfRequest, type DecidedClaim } from '@taskclaim/shared/queue';
import { type ClaimRow, type TaskView } from '@taskclaim/shared/db';
import { type Logger, type SlotsPerKey } from '@taskclaim/shared/runtime';
import type { TokenRow } from '../db/tokens.repository';
import type { ApiMetrics } from '../metrics';
import type { ClaimDispatch } from './claim-dispatch';
import type { ClaimWaiters } from './claim-waiters';
import { isSameRequest, requestFingerprint } from './idempotency';

/** Holds a claim until it is decided or `waitMs` passes (see makeWaitForDecision). */
export type WaitForDecision = (claim: ClaimRow, waitMs: number, options: { holder: number; onCancel?: (cancel: () => void) => void }) => Promise<DecidedClaim>;

/** What submitClaim uses, made once by the composition root (deps.ts). */
export interface SubmitClaimPorts {
  /** the task of a scoped token's claim, to check its department (a batched read) */
  taskView(taskId: number): Promise<TaskView | undefined>;
  /** the claim a token made under an Idempotency-Key */
  claimByIdempotencyKey(tokenId: number, key: string): Promise<ClaimRow | undefined>;
  /** CLAIM_PARTITIONS: a claim's partition is stored with it */
  partitions: number;
  dispatch: ClaimDispatch;
  waitForDecision: WaitForDecision;
  logger: Logger;
  claimsAccepted: ApiMetrics['claimsAccepted'];
}

/** What every claim request carries, whatever it targets (a claim-next and a release-mine request too). */
export interface ClaimRequestFields {
  caller: TokenRow;
  operatorId: number;
  notes: string;
  callbackUrl: string | null;
  idempotencyKey: string | null;
  requestId: string;
  /** how long the client is willing to wait for the decision (`Prefer: wait`), 0 for none */
  waitMs: number;
  /** given the wait's cancel, so the transport can stop it when its client leaves */
  onCancel?: (cancel: () => void) => void;
}

export interface ClaimSubmission extends ClaimRequestFields {
  /** a claim request of any action goes the same way: stored, queued to its partition, waited for */
  action: ClaimAction;
  /** null for claim-next: the worker picks the task */
  taskId: number | null;
  /** claim-next only: the departments it may pick from (null: all of the operator's) */
  departmentIds: number[] | null;
}

/** What became of a submission; services/api/src/http/claim-response.ts turns each into HTTP. */
export type SubmitOutcome =
  /**
   * Stored, or the original claim of a replayed Idempotency-Key, as it stands when answered.
   * `accepted`: a queued submission that did not wait, answered as accepted whatever its status.
   */
  | { kind: 'answered'; decided: DecidedClaim; accepted: boolean; replayed: boolean }
  | { kind: 'task_not_found'; taskId: number }
  /** an integration token's claim of a task outside its departments (SPEC §4 Scope) */
  | { kind: 'forbidden'; taskId: number }
  | { kind: 'callback_not_allowed' }
  | { kind: 'callback_host_not_allowed' }
  | { kind: 'idempotency_conflict'; claimId: number }
  | { kind: 'store_unavailable' };

/** `host` entries allow any port, `host:port` entries exactly that port. */
function callbackHostAllowed(caller: TokenRow, callbackUrl: string): boolean {
  const url = new URL(callbackUrl);
  const host = url.hostname.toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return caller.callback_hosts.some((entry) => {
    const lowered = entry.toLowerCase();
    return lowered === host || lowered === `${host}:${port}`;
  });
}

/** The callback policy: operator tokens register none; a callback's host must be one of the token's. */
export function callbackRefusal(caller: TokenRow, callbackUrl: string | null): Extract<SubmitOutcome, { kind: 'callback_not_allowed' | 'callback_host_not_allowed' }> | undefined {
  if (callbackUrl === null) return undefined;
  if (caller.kind === 'operator') return { kind: 'callback_not_allowed' };
  if (!callbackHostAllowed(caller, callbackUrl)) return { kind: 'callback_host_not_allowed' };
  return undefined;
}

/**
 * A claim request (a claim, a release or a claim-next), from a parsed and authenticated submission
 * to its answer: the scope and callback policies, storing it (group commit; queue dispatch wakes its
 * partition, inline dispatch decides it in the same transaction), Idempotency-Key replays, and
 * waiting for the decision up to `waitMs`.
 */
export async function submitClaim(ports: SubmitClaimPorts, submission: ClaimSubmission): Promise<SubmitOutcome> {
  const { caller, callbackUrl } = submission;
  const refused = callbackRefusal(caller, callbackUrl);
  if (refused) return refused;
  if (submission.taskId !== null && scopeDepartments(caller)) {
    const task = await ports.taskView(submission.taskId);
    if (task && !isInScope(caller, task.assigned_department_id)) {
      return { kind: 'forbidden', taskId: task.id };
    }
  }
  const { dispatch } = ports;
  if (!dispatch.canAccept()) return { kind: 'store_unavailable' };
  const request = {
    action: submission.action,
    task_id: submission.taskId,
    department_ids: submission.departmentIds,
    operator_id: submission.operatorId,
    notes: submission.notes,
    callback_url: callbackUrl,
  };
  const fingerprint = submission.idempotencyKey ? requestFingerprint(request) : null;
  const accepted = dispatch.answersAccepted(submission.waitMs);
  const wait = (claim: ClaimRow) => ports.waitForDecision(claim, submission.waitMs, { holder: caller.id, onCancel: submission.onCancel });

  const stored = await dispatch.store({
    ...request,
    token_id: caller.id,
    request_id: submission.requestId,
    idempotency_key: submission.idempotencyKey,
    request_fingerprint: fingerprint,
    partition: partitionOfRequest(submission.taskId, ports.partitions),
  });
  if (!stored) {
    // The task is gone or the key was used: only a replay (even of a claim made before the task was deleted) is answered.
    // A claim-next request has no task to be gone, so only its key can have been used.
    const original = submission.idempotencyKey ? await ports.claimByIdempotencyKey(caller.id, submission.idempotencyKey) : undefined;
    if (!original) return { kind: 'task_not_found', taskId: submission.taskId as number };
    if (!isSameRequest(original, fingerprint as string)) return { kind: 'idempotency_conflict', claimId: original.id };
    return { kind: 'answered', decided: await wait(original), accepted, replayed: true };
  }
  const { claim } = stored;
  ports.logger.info('claim accepted', { claimId: claim.id, action: claim.action, taskId: claim.task_id, requestId: claim.request_id, dispatch: dispatch.name });
  ports.claimsAccepted.inc({ action: claim.action, dispatch: dispatch.name });
  return { kind: 'answered', decided: await dispatch.answer(stored, wait), accepted, replayed: false };
}

/**
 * Holds a claim until it is decided or `waitMs` passes, woken by the deciding process's event, which
 * carries the decided rows. A decision made between the caller's read (or insert) of the claim and the
 * wait's registration is in the decisions this process heard lately (the wait answers from them); a
 * wait that runs out reads the claim once more, in case the event was missed. A token holding
 * MAX_WAITS_PER_TOKEN waits in this process already is answered at once, with the claim as it stands.
 */
export function makeWaitForDecision(deps: { waiters: ClaimWaiters; waitSlots: SlotsPerKey<number>; readClaim: (id: number) => Promise<ClaimRow | undefined> }): WaitForDecision {
  return async (claim, waitMs, options) => {
    if (waitMs <= 0 || isTerminal(claim.status)) return { claim };
    const wait = deps.waiters.waitFor(claim.id, waitMs);
    if (wait.heard) return wait.heard;
    if (!deps.waitSlots.take(options.holder)) {
      wait.cancel();
      return { claim };
    }
    wait.decided.finally(() => deps.waitSlots.give(options.holder));
    options.onCancel?.(wait.cancel);
    return (await wait.decided) ?? { claim: (await deps.readClaim(claim.id)) as ClaimRow };
  };
}
