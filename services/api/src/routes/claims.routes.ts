import { Router } from 'express';
import { claimRequestBody, claimsRepo, partitionOf, pathId, presentDelivery, renderMessage, webhooksRepo, type ClaimRow, type Db } from '@taskclaim/shared';
import { parseIdempotencyKey, requestFingerprint } from '../claims/idempotency';
import { replayIdempotentClaim, submitClaim, waitForDecision } from '../claims/submit-claim';
import type { ApiDeps } from '../deps';
import { assertTaskInScope, resolveActingOperator } from '../http/acting-operator';
import { callerOf, type Caller } from '../http/auth';
import { sendClaim } from '../http/claim-response';
import { jsonBody } from '../http/json-body';
import { languageOf } from '../http/language';
import { parsePrefer } from '../http/prefer';
import { HttpProblem } from '../http/problem';
import { parseInput } from '../http/validate';
import type { Response } from 'express';

export const CLAIM_BODY_LIMIT = '16kb';

/** `host` entries allow any port, `host:port` entries exactly that port. */
function callbackHostAllowed(caller: Caller, callbackUrl: string): boolean {
  const url = new URL(callbackUrl);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return caller.callback_hosts.some((entry) => {
    const lowered = entry.toLowerCase();
    return lowered === url.hostname.toLowerCase() || lowered === `${url.hostname.toLowerCase()}:${port}`;
  });
}

/** Only its operator, the submitting token and admins see a claim; to anyone else it does not exist (404). */
async function findVisibleClaim(db: Db, caller: Caller, claimId: number): Promise<ClaimRow> {
  const claim = await claimsRepo.findClaim(db, claimId);
  const visible =
    claim &&
    (caller.kind === 'admin' || claim.token_id === caller.id || (caller.kind === 'operator' && caller.operator_id === claim.operator_id));
  if (!claim || !visible) throw new HttpProblem(404, 'not_found', `Claim ${claimId} does not exist.`);
  return claim;
}

/** Aborted when the client goes away, so its wait stops holding a waiter. */
function closedSignal(res: Response): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => controller.abort());
  return controller.signal;
}

export function claimsRouter(deps: ApiDeps): Router {
  const router = Router();

  router.post('/workorder-tasks/:id/claim/', jsonBody(CLAIM_BODY_LIMIT), async (req, res) => {
    const taskId = parseInput(pathId, req.params.id, 'path');
    const prefer = parsePrefer(req.headers.prefer);
    const body = parseInput(claimRequestBody, req.body ?? {}, 'body');
    const caller = callerOf(res);
    const operatorId = await resolveActingOperator(deps.db, caller, body.operator_id, 'body');
    if (body.callback_url !== undefined) {
      if (caller.kind === 'operator') throw new HttpProblem(403, 'forbidden', 'Operator tokens cannot register a callback_url.');
      if (!callbackHostAllowed(caller, body.callback_url)) {
        throw new HttpProblem(400, 'callback_host_not_allowed', 'The callback_url host is not in the callback_hosts of this token.', {
          errors: [{ path: 'body.callback_url', message: 'host not allowed for this token' }],
        });
      }
    }
    const idempotencyKey = parseIdempotencyKey(req.headers['idempotency-key']);
    const request = { task_id: taskId, operator_id: operatorId, notes: body.notes ?? '', callback_url: body.callback_url ?? null };
    const submission = {
      ...request,
      token_id: caller.id,
      request_id: res.locals.requestId as string,
      idempotency_key: idempotencyKey,
      request_fingerprint: idempotencyKey ? requestFingerprint(request) : null,
      partition: partitionOf(taskId, deps.config.CLAIM_PARTITIONS),
      waitMs: prefer.respondAsync ? 0 : prefer.waitSeconds * 1000,
      signal: closedSignal(res),
    };
    let claim: ClaimRow;
    const task = await deps.reads.taskView(taskId);
    if (task) {
      assertTaskInScope(caller, task);
      // A replayed Idempotency-Key is recognised by the insert's key conflict: no lookup before it.
      claim = await submitClaim(deps, submission);
    } else {
      // The task is gone: only a replay of a claim made before it was deleted is still answered.
      const replayed = idempotencyKey ? await claimsRepo.findClaimByIdempotencyKey(deps.db, caller.id, idempotencyKey) : undefined;
      if (!replayed) throw new HttpProblem(404, 'task_not_found', renderMessage('task_not_found', { task_id: taskId }, languageOf(req)));
      claim = await replayIdempotentClaim(deps, submission, replayed);
    }
    // A new queued request that did not wait is always answered 202; a replay of it is answered the same way.
    const accepted = deps.config.CLAIM_DISPATCH === 'queue' && submission.waitMs === 0;
    await sendClaim(res, deps.reads.taskView, claim, { language: languageOf(req), waitSeconds: prefer.waitSeconds, as: accepted ? 'accepted' : 'outcome' });
  });

  router.get('/claims/:id', async (req, res) => {
    const claimId = parseInput(pathId, req.params.id, 'path');
    const prefer = parsePrefer(req.headers.prefer);
    const claim = await findVisibleClaim(deps.db, callerOf(res), claimId);
    const current = await waitForDecision(deps, claim, prefer.waitSeconds * 1000, closedSignal(res));
    await sendClaim(res, deps.reads.taskView, current, { language: languageOf(req), waitSeconds: prefer.waitSeconds, as: 'resource' });
  });

  router.get('/claims/:id/deliveries', async (req, res) => {
    const claimId = parseInput(pathId, req.params.id, 'path');
    await findVisibleClaim(deps.db, callerOf(res), claimId);
    const deliveries = await webhooksRepo.listDeliveries(deps.db, claimId);
    res.status(200).json({ results: deliveries.map(presentDelivery) });
  });

  return router;
}
