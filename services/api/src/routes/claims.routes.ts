import { Router, type Request, type Response } from 'express';
import {
  claimNextRequestBody,
  claimRequestBody,
  pathId,
  reassignRequestBody,
  type ClaimNextRequestBody,
} from '@taskclaim/shared/contracts';
import { type ClaimRow, type Db } from '@taskclaim/shared/db';
import { type ClaimAction } from '@taskclaim/shared/domain';
import { releaseMine } from '../claims/release-mine';
import { submitClaim, type ClaimRequestFields } from '../claims/submit-claim';
import { findOperator } from '../db/operators.repository';
import { listDeliveries } from '../db/webhook-deliveries.repository';
import type { ApiDeps } from '../deps';
import { claimNextDepartments, noSuchOperator, resolveActingOperator } from '../http/acting-operator';
import { callerOf, type Caller } from '../http/auth';
import { leaveConcurrencyLimit } from '../http/concurrency-limit';
import { sendClaim, sendReleaseMine, sendSubmitOutcome, type ClaimResponseOptions } from '../http/claim-response';
import { parseIdempotencyKey } from '../http/idempotency-key';
import { jsonBody } from '../http/json-body';
import { languageOf } from '../http/language';
import { parsePrefer, type Preferences } from '../http/prefer';
import { HttpProblem } from '../http/problem';
import { callerSeesTask } from '../http/task-visibility';
import { parseInput } from '../http/validate';
import { presentDelivery } from '../presenters/delivery.presenter';

export const CLAIM_BODY_LIMIT = '16kb';

/** Only its operator, the submitting token and admins see a claim: to anyone else it does not exist. */
const canSee = (caller: Caller, claim: ClaimRow): boolean =>
  caller.kind === 'admin' || claim.token_id === caller.id || (caller.kind === 'operator' && caller.operator_id === claim.operator_id);

function visibleClaim(caller: Caller, claimId: number, claim: ClaimRow | undefined): ClaimRow {
  if (!claim || !canSee(caller, claim)) throw new HttpProblem(404, 'not_found', { en: `Claim ${claimId} does not exist.`, zh: `认领请求 ${claimId} 不存在` });
  return claim;
}

/** A reassign is a supervisor's: admin tokens, and integration tokens (of the task's department, checked with the scope). */
function supervisorsOnly(caller: Caller): void {
  if (caller.kind === 'operator') throw new HttpProblem(403, 'forbidden', { en: 'Only admin and integration tokens can reassign a task.', zh: '只有管理员令牌和集成令牌可以转派任务' });
}

/** A reassign's target must exist, whoever asks (an integration token is otherwise told only that the operator is outside its departments). */
async function mustExist(db: Db, operatorId: number): Promise<void> {
  if (!(await findOperator(db, operatorId))) {
    throw noSuchOperator(operatorId, 'body.operator_id');
  }
}

/** The departments a claim-next request may pick from (null for a claim or release, or for all of the operator's). */
type DepartmentsOf = (caller: Caller, operatorId: number, body: ClaimNextRequestBody) => Promise<number[] | null>;

/** A request that starts waiting holds a wait slot instead of a concurrency slot; the wait ends early when its client goes away. */
const waitingOn = (res: Response) => (cancel: () => void) => {
  leaveConcurrencyLimit(res);
  res.once('close', cancel);
};

/** What every claim request's submission takes from its HTTP request, whatever it targets. */
const submissionOf = (res: Response, caller: Caller, operatorId: number, body: ClaimNextRequestBody, idempotencyKey: string | null, prefer: Preferences): ClaimRequestFields => ({
  caller,
  operatorId,
  notes: body.notes ?? '',
  callbackUrl: body.callback_url ?? null,
  idempotencyKey,
  requestId: res.locals.requestId as string,
  waitMs: prefer.waitSeconds * 1000,
  onCancel: waitingOn(res),
});

export function claimsRouter(deps: ApiDeps): Router {
  const router = Router();
  const responseOptions = (req: Request, res: Response, waitSeconds: number): ClaimResponseOptions => ({
    language: languageOf(req),
    waitSeconds,
    loadTaskView: deps.reads.taskView,
    seesTask: (task) => callerSeesTask(deps.reads, callerOf(res), task),
  });

  /**
   * Claims, releases and claim-next requests are submitted the same way; they differ in their body
   * and in what they target: the path's task, or (claim-next, no path id) the departments to pick from.
   */
  const submitRoute = (action: ClaimAction, schema: typeof claimRequestBody | typeof claimNextRequestBody | typeof reassignRequestBody, departmentsOf: DepartmentsOf) => async (req: Request, res: Response) => {
    const caller = callerOf(res);
    if (action === 'reassign') supervisorsOnly(caller);
    const taskId = req.params.id === undefined ? null : parseInput(pathId, req.params.id, 'path');
    const prefer = parsePrefer(req.headers.prefer);
    const body: ClaimNextRequestBody = parseInput(schema, req.body ?? {}, 'body');
    const idempotencyKey = parseIdempotencyKey(req.headers['idempotency-key']);
    if (action === 'reassign') await mustExist(deps.db, body.operator_id as number);
    const operatorId = await resolveActingOperator(deps.db, caller, body.operator_id, 'body');
    const outcome = await submitClaim(deps.claims, {
      ...submissionOf(res, caller, operatorId, body, idempotencyKey, prefer),
      action,
      taskId,
      departmentIds: await departmentsOf(caller, operatorId, body),
    });
    await sendSubmitOutcome(res, outcome, responseOptions(req, res, prefer.waitSeconds));
  };
  // A claim, release, start or reassign targets the path's task.
  const ofTheTask: DepartmentsOf = async () => null;
  router.post('/workorder-tasks/:id/claim/', jsonBody(CLAIM_BODY_LIMIT), submitRoute('claim', claimRequestBody, ofTheTask));
  router.post('/workorder-tasks/:id/release/', jsonBody(CLAIM_BODY_LIMIT), submitRoute('release', claimRequestBody, ofTheTask));
  router.post('/workorder-tasks/:id/start/', jsonBody(CLAIM_BODY_LIMIT), submitRoute('start', claimRequestBody, ofTheTask));
  router.post('/workorder-tasks/:id/reassign/', jsonBody(CLAIM_BODY_LIMIT), submitRoute('reassign', reassignRequestBody, ofTheTask));

  // Shift handover: a release request for each of the operator's pending tasks.
  router.post('/workorder-tasks/release-mine/', jsonBody(CLAIM_BODY_LIMIT), async (req, res) => {
    const prefer = parsePrefer(req.headers.prefer);
    const body = parseInput(claimRequestBody, req.body ?? {}, 'body');
    const idempotencyKey = parseIdempotencyKey(req.headers['idempotency-key']);
    const caller = callerOf(res);
    const operatorId = await resolveActingOperator(deps.db, caller, body.operator_id, 'body');
    const outcome = await releaseMine(deps, submissionOf(res, caller, operatorId, body, idempotencyKey, prefer));
    await sendReleaseMine(res, outcome, responseOptions(req, res, prefer.waitSeconds));
  });
  router.post(
    '/workorder-tasks/claim-next/',
    jsonBody(CLAIM_BODY_LIMIT),
    submitRoute('claim_next', claimNextRequestBody, (caller, operatorId, body) => claimNextDepartments(deps.db, caller, operatorId, body.department_id)),
  );

  router.get('/claims/:id', async (req, res) => {
    const claimId = parseInput(pathId, req.params.id, 'path');
    const prefer = parsePrefer(req.headers.prefer);
    const caller = callerOf(res);
    const waitMs = prefer.waitSeconds * 1000;
    const stored = waitMs > 0 ? deps.recentClaims.stored(claimId) : undefined;
    const claim = visibleClaim(caller, claimId, stored ?? (await deps.reads.claim(claimId)));
    const decided = await deps.claims.waitForDecision(claim, waitMs, { holder: caller.id, onCancel: waitingOn(res) });
    await sendClaim(res, decided, 'resource', responseOptions(req, res, prefer.waitSeconds));
  });

  router.get('/claims/:id/deliveries', async (req, res) => {
    const claimId = parseInput(pathId, req.params.id, 'path');
    visibleClaim(callerOf(res), claimId, await deps.reads.claim(claimId));
    const deliveries = await listDeliveries(deps.db, claimId);
    res.status(200).json({ results: deliveries.map(presentDelivery) });
  });

  return router;
}
