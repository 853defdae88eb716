import type { Response } from 'express';
import { claimsRepo, presentClaim, type ClaimRow, type Language, type TaskView } from '@taskclaim/shared';
import { HttpProblem, sendProblem } from './problem';

/**
 * The one place where a claim's status becomes an HTTP answer.
 * `as: 'outcome'` (the POST): queued → 202, succeeded → 200, rejected → 400 problem, failed → 503 problem.
 * `as: 'accepted'` (a POST that did not wait): 202 with the claim as it stands.
 * `as: 'resource'` (GET /api/claims/{id}): always 200 with the claim resource.
 */
export async function sendClaim(
  res: Response,
  loadTaskView: (taskId: number) => Promise<TaskView | undefined>,
  claim: ClaimRow,
  options: { language: Language; waitSeconds: number; as: 'outcome' | 'accepted' | 'resource' },
): Promise<void> {
  const terminal = claimsRepo.isTerminal(claim.status);
  const task = terminal ? await loadTaskView(claim.task_id) : undefined;
  const resource = presentClaim(claim, options.language, task);
  if (terminal && options.waitSeconds > 0) res.setHeader('Preference-Applied', `wait=${options.waitSeconds}`);
  if (options.as === 'resource') {
    res.status(200).json(resource);
    return;
  }
  switch (options.as === 'accepted' ? 'queued' : claim.status) {
    case 'queued':
    case 'processing':
      res.status(202).location(`/api/claims/${claim.id}`).setHeader('Retry-After', '1');
      res.json(resource);
      return;
    case 'succeeded':
      res.status(200).json(resource);
      return;
    case 'rejected':
      sendProblem(res, new HttpProblem(400, claim.code as string, resource.detail, { claim_id: claim.id, claim: resource }));
      return;
    case 'failed':
      sendProblem(res, new HttpProblem(503, 'claim_failed', resource.detail, { claim_id: claim.id, claim: resource }, { 'Retry-After': '5' }));
      return;
  }
}
