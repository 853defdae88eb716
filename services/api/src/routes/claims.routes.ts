import { Router, type Request, type Response } from 'express';
import { claimRequestBody, pathId, presentDelivery, webhooksRepo, type ClaimAction, type ClaimRow } from '@taskclaim/shared';
import { submitClaim, waitForDecision } from '../claims/submit-claim';
import type { ApiDeps } from '../deps';
import { resolveActingOperator } from '../http/acting-operator';
import { callerOf, type Caller } from '../http/auth';
import { sendClaim, sendSubmitOutcome, type ClaimResponseOptions } from '../http/claim-response';
import { parseIdempotencyKey } from '../http/idempotency-key';
import { jsonBody } from '../http/json-body';
import { languageOf } from '../http/language';
import { parsePrefer } from '../http/prefer';
import { HttpProblem } from '../http/problem';
import { parseInput } from '../http/validate';

export const CLAIM_BODY_LIMIT = '16kb';

/** Only its operator, the submitting token and admins see a claim: to anyone else it does not exist. */
const canSee = (caller: Caller, claim: ClaimRow): boolean =>
  caller.kind === 'admin' || claim.token_id === caller.id || (caller.kind === 'operator' && caller.operator_id === claim.operator_id);

async function findVisibleClaim(deps: ApiDeps, caller: Caller, claimId: number): Promise<ClaimRow> {
  const claim = await deps.reads.claim(claimId);
  if (!claim || !canSee(caller, claim)) throw new HttpProblem(404, 'not_found', `Claim ${claimId} does not exist.`);
  return claim;
}

/** A wait ends early when its client goes away. */
const cancelOnClose = (res: Response) => (cancel: () => void) => res.once('close', cancel);

export function claimsRouter(deps: ApiDeps): Router {
  const router = Router();
  const responseOptions = (req: Request, waitSeconds: number): ClaimResponseOptions => ({ language: languageOf(req), waitSeconds, loadTaskView: deps.reads.taskView });

  /** A claim and a release are submitted the same way; only what the worker decides differs. */
  const submitRoute = (action: ClaimAction) => async (req: Request, res: Response) => {
    const taskId = parseInput(pathId, req.params.id, 'path');
    const prefer = parsePrefer(req.headers.prefer);
    const body = parseInput(claimRequestBody, req.body ?? {}, 'body');
    const idempotencyKey = parseIdempotencyKey(req.headers['idempotency-key']);
    const caller = callerOf(res);
    const outcome = await submitClaim(deps, {
      action,
      caller,
      taskId,
      operatorId: await resolveActingOperator(deps.db, caller, body.operator_id, 'body'),
      notes: body.notes ?? '',
      callbackUrl: body.callback_url ?? null,
      idempotencyKey,
      requestId: res.locals.requestId as string,
      waitMs: prefer.respondAsync ? 0 : prefer.waitSeconds * 1000,
      onCancel: cancelOnClose(res),
    });
    await sendSubmitOutcome(res, outcome, responseOptions(req, prefer.waitSeconds));
  };
  router.post('/workorder-tasks/:id/claim/', jsonBody(CLAIM_BODY_LIMIT), submitRoute('claim'));
  router.post('/workorder-tasks/:id/release/', jsonBody(CLAIM_BODY_LIMIT), submitRoute('release'));

  router.get('/claims/:id', async (req, res) => {
    const claimId = parseInput(pathId, req.params.id, 'path');
    const prefer = parsePrefer(req.headers.prefer);
    const caller = callerOf(res);
    const claim = await findVisibleClaim(deps, caller, claimId);
    const decided = await waitForDecision(deps, claim, prefer.waitSeconds * 1000, { holder: caller.id, onCancel: cancelOnClose(res) });
    await sendClaim(res, decided, 'resource', responseOptions(req, prefer.waitSeconds));
  });

  router.get('/claims/:id/deliveries', async (req, res) => {
    const claimId = parseInput(pathId, req.params.id, 'path');
    await findVisibleClaim(deps, callerOf(res), claimId);
    const deliveries = await webhooksRepo.listDeliveries(deps.db, claimId);
    res.status(200).json({ results: deliveries.map(presentDelivery) });
  });

  return router;
}
