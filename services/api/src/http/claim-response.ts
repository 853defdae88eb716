import type { Response } from 'express';
import { isTerminal, type Language } from '@taskclaim/shared/domain';
import { presentClaim } from '@taskclaim/shared/presenters';
import { type ClaimResource } from '@taskclaim/shared/contracts';
import { type DecidedClaim } from '@taskclaim/shared/queue';
import { type TaskView } from '@taskclaim/shared/db';
import type { ReleaseMineOutcome } from '../claims/release-mine';
import type { SubmitOutcome } from '../claims/submit-claim';
import { HttpProblem, sendProblem, taskNotFound } from './problem';
import { sendJson } from './send-json';

export interface ClaimResponseOptions {
  language: Language;
  waitSeconds: number;
  loadTaskView: (taskId: number) => Promise<TaskView | undefined>;
  /** whether the caller sees the task (SPEC §4 Scope): a claim of a task it does not see answers without it */
  seesTask: (task: TaskView) => Promise<boolean>;
}

/**
 * A claim as its resource, with its task once decided (as the deciding transaction left it, else as it
 * is now) if the caller sees it; a decided claim shown without its task names no holder either.
 */
async function presentAnswer(decided: DecidedClaim, options: ClaimResponseOptions): Promise<ClaimResource> {
  const { claim } = decided;
  const loaded = isTerminal(claim.status) && claim.task_id !== null ? (decided.task ?? (await options.loadTaskView(claim.task_id))) : undefined;
  const task = loaded && (await options.seesTask(loaded)) ? loaded : undefined;
  return presentClaim(claim, options.language, task, { holderHidden: loaded !== undefined && task === undefined });
}

/**
 * Release-mine's answer: 200 once every release is decided (none: 200 too), else 202 with what
 * stands; `Preference-Applied` when it waited for all of them.
 */
export async function sendReleaseMine(res: Response, outcome: ReleaseMineOutcome, options: ClaimResponseOptions): Promise<void> {
  if (outcome.kind !== 'answered') return sendSubmitOutcome(res, outcome, options);
  const results = await Promise.all(outcome.releases.map((answer) => presentAnswer(answer, options)));
  const allDecided = outcome.releases.every((answer) => isTerminal(answer.claim.status));
  // A release whose wait was refused (its token held too many) is answered undecided, so not all are decided.
  if (allDecided && options.waitSeconds > 0) res.setHeader('Preference-Applied', `wait=${options.waitSeconds}`);
  const answered = allDecided && (outcome.waited || results.length === 0);
  // Like a claim's 202: each release's outcome is at its own /api/claims/{id}, worth asking after a second.
  if (!answered) res.setHeader('Retry-After', '1');
  sendJson(res, answered ? 200 : 202, { count: results.length, results });
}

/**
 * The one place where a claim becomes an HTTP answer.
 * `as: 'outcome'` (the POST): queued → 202, succeeded → 200, rejected → 400 problem, failed → 503 problem.
 * `as: 'accepted'` (a POST that did not wait): 202 with the claim as it stands.
 * `as: 'resource'` (GET /api/claims/{id}): always 200 with the claim resource.
 */
export async function sendClaim(res: Response, decided: DecidedClaim, as: 'outcome' | 'accepted' | 'resource', options: ClaimResponseOptions): Promise<void> {
  const { claim } = decided;
  const terminal = isTerminal(claim.status);
  const resource = await presentAnswer(decided, options);
  // A claim whose wait was refused (its token held too many) is answered as it stood: undecided.
  if (terminal && options.waitSeconds > 0) res.setHeader('Preference-Applied', `wait=${options.waitSeconds}`);
  if (as === 'resource') {
    sendJson(res, 200, resource);
    return;
  }
  switch (as === 'accepted' ? 'queued' : claim.status) {
    case 'queued':
      res.setHeader('Location', `/api/claims/${claim.id}`);
      res.setHeader('Retry-After', '1');
      sendJson(res, 202, resource);
      return;
    case 'succeeded':
      sendJson(res, 200, resource);
      return;
    case 'rejected':
      sendProblem(res, { status: 400, code: claim.code as string, detail: resource.detail, extra: { claim_id: claim.id, claim: resource } });
      return;
    case 'failed':
      sendProblem(res, { status: 503, code: 'claim_failed', detail: resource.detail, extra: { claim_id: claim.id, claim: resource }, headers: { 'Retry-After': '5' } });
      return;
  }
}

/** Every outcome of submitClaim as HTTP. */
export async function sendSubmitOutcome(res: Response, outcome: SubmitOutcome, options: ClaimResponseOptions): Promise<void> {
  switch (outcome.kind) {
    case 'answered':
      return sendClaim(res, outcome.decided, outcome.accepted ? 'accepted' : 'outcome', options);
    case 'task_not_found':
      throw taskNotFound(outcome.taskId);
    case 'forbidden':
      throw new HttpProblem(403, 'forbidden', {
        en: `Task ${outcome.taskId} is not in a department of this integration token.`,
        zh: `任务 ${outcome.taskId} 不属于此集成令牌的任何部门`,
      });
    case 'callback_not_allowed':
      throw new HttpProblem(403, 'forbidden', { en: 'Operator tokens cannot register a callback_url.', zh: '操作员令牌不能注册 callback_url' });
    case 'callback_host_not_allowed':
      throw new HttpProblem(400, 'callback_host_not_allowed', { en: 'The callback_url host is not in the callback_hosts of this token.', zh: 'callback_url 的主机不在此令牌的 callback_hosts 中' }, {
        errors: [{ path: 'body.callback_url', message: 'host not allowed for this token' }],
      });
    case 'idempotency_conflict':
      throw new HttpProblem(422, 'idempotency_key_reused', { en: 'This Idempotency-Key was already used by this token for a different request.', zh: '此令牌已将这个 Idempotency-Key 用于另一个不同的请求' }, {
        claim_id: outcome.claimId,
      });
    case 'store_unavailable':
      throw new HttpProblem(503, 'service_unavailable', { en: 'Redis is unavailable; retry shortly.', zh: 'Redis 暂不可用，请稍后重试' }, {}, { 'Retry-After': '5' });
  }
}
