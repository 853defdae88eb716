import type { Db } from '@taskclaim/shared';
import { runWithInflight, wallNow, type RoundRobinClient } from './http';
import type { Plan } from './scenarios';
import { increment } from './stats';
import { sleep } from './world';

export interface Submission {
  sentAt: number;
  answeredAt?: number;
  status: string;
  claimId?: number;
}

const TERMINAL = new Set(['succeeded', 'rejected', 'failed']);

/**
 * Fires the plan's claims in order with at most `inflight` requests in flight, each as its operator
 * (operator token), `Prefer: respond-async`, and — like a careful client — an Idempotency-Key with
 * which it retries a 503 or a network error for up to a minute.
 */
export async function submitClaims(
  client: RoundRobinClient,
  plan: Plan,
  tokens: Map<number, string>,
  options: { inflight: number; keyPrefix: string; idempotencyKeys: boolean },
  retried: Record<string, number>,
): Promise<Submission[]> {
  const submissions: Submission[] = new Array(plan.claims.length);
  const body = JSON.stringify({ notes: 'shift start' });
  await runWithInflight(plan.claims, options.inflight, async (claim, index) => {
    const headers: Record<string, string> = { authorization: `Bearer ${tokens.get(claim.operatorId)}`, prefer: 'respond-async' };
    if (options.idempotencyKeys) headers['idempotency-key'] = `${options.keyPrefix}-${index}`;
    const submission: Submission = { sentAt: wallNow(), status: 'pending' };
    submissions[index] = submission;
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const response = await client.request('POST', `/api/workorder-tasks/${claim.taskId}/claim/`, headers, body);
        submission.answeredAt = wallNow();
        submission.status = String(response.status);
        if (response.status !== 503 || Date.now() > deadline) {
          const claimId = (JSON.parse(response.body) as { claim_id?: number }).claim_id;
          if (claimId !== undefined) submission.claimId = claimId;
          return;
        }
        increment(retried, '503');
      } catch (error) {
        if (Date.now() > deadline) {
          submission.status = `network error: ${(error as Error).message}`;
          return;
        }
        increment(retried, 'network error');
      }
      await sleep(100);
    }
  });
  return submissions;
}

/**
 * Every waiter long-polls its claim at once (`GET /api/claims/{id}`, `Prefer: wait=30`), polling
 * again when a wait ends undecided, as the SDK's waitForClaim does. Resolves with when each was
 * answered with a terminal claim.
 */
export function longPollAll(
  client: RoundRobinClient,
  plan: Plan,
  tokens: Map<number, string>,
  submissions: Submission[],
  http: Record<string, number>,
  retried: Record<string, number>,
): { answered: (number | undefined)[]; repolls: () => number; done: Promise<void> } {
  const answered: (number | undefined)[] = new Array(submissions.length);
  let repolls = 0;
  const poll = async (index: number) => {
    const claimId = submissions[index].claimId;
    if (claimId === undefined) return;
    const headers = { authorization: `Bearer ${tokens.get(plan.claims[index].operatorId)}`, prefer: 'wait=30' };
    for (;;) {
      try {
        const response = await client.request('GET', `/api/claims/${claimId}`, headers);
        increment(http, `GET ${response.status}`);
        if (response.status === 200 && TERMINAL.has((JSON.parse(response.body) as { status: string }).status)) {
          answered[index] = wallNow();
          return;
        }
        if (response.status !== 200 && response.status !== 503) return;
        repolls += 1;
      } catch {
        increment(retried, 'network error (long-poll)');
        await sleep(100);
      }
    }
  };
  const done = Promise.all(submissions.map((_, index) => poll(index))).then(() => undefined);
  return { answered, repolls: () => repolls, done };
}

/** Ends when every stored claim of the run is terminal: the decision events say so, PostgreSQL confirms. */
export async function waitForOutcomes(
  check: Db,
  decidedAt: Map<number, number>,
  accepted: () => number[],
  timeoutMs: number,
  counter: { queries: number },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastDbCheck = Date.now();
  const openInDb = async () => {
    counter.queries += 1;
    const [{ n }] = await check('claim_requests').whereIn('status', ['queued', 'processing']).count({ n: '*' });
    return Number(n);
  };
  for (;;) {
    if (accepted().every((id) => decidedAt.has(id)) && (await openInDb()) === 0) return;
    // A missed event (a publish that failed) must not hang the bench: PostgreSQL has the last word.
    if (Date.now() - lastDbCheck > 2_000) {
      lastDbCheck = Date.now();
      if ((await openInDb()) === 0) return;
    }
    if (Date.now() > deadline) throw new Error(`claims still open after ${timeoutMs} ms`);
    await sleep(25);
  }
}
