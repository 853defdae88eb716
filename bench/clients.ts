import { setTimeout as sleep } from 'node:timers/promises';
import { wallNow, type RoundRobinClient } from './http';
import type { Claim } from './scenarios';
import { increment } from './stats';

export const CLIENTS = ['async', 'wait'] as const;
/**
 * How a bench client learns its outcome, as users do:
 * - `async`: POST (202), then long-poll `GET /api/claims/{id}` with `Prefer: wait=30` until terminal;
 * - `wait`: POST with `Prefer: wait=30` (long-polling afterwards only if the wait ran out).
 * A server that answers every POST terminally (inline dispatch, seed-sync) ends both at the POST.
 */
export type ClientKind = (typeof CLIENTS)[number];

/** One claim as its client saw it. Outcomes are what the client was told, never read from the database. */
export interface ClientRecord {
  /** for a claim-next, the task it got (0 while it has none) */
  taskId: number;
  next?: boolean;
  /** one release request of an End shift (release-mine); its outcome reads `release <outcome>` */
  release?: boolean;
  operatorId: number;
  sentAt: number;
  /** the POST's (last) answer */
  answeredAt?: number;
  postStatus: string;
  claimId?: number;
  /** when the client knew the outcome */
  knownAt?: number;
  /** `succeeded`, `succeeded (already theirs)`, a rejection code, `failed`, or what went wrong */
  outcome?: string;
}

export interface ClientCounters {
  /** HTTP statuses by request kind (`POST 202`, `GET 200`, …) */
  http: Record<string, number>;
  retried: Record<string, number>;
  repolls: number;
}

const WAIT = 'wait=30';
const RETRY_FOR_MS = 60_000;

interface ClaimAnswer {
  status?: string;
  /** a claim-next's task, once decided */
  task_id?: number | null;
  code?: string;
  claim_id?: number;
  already_claimed?: boolean;
  /** seed-sync answers in the seed's shape */
  data?: { already_claimed?: boolean };
}

function outcomeOf(httpStatus: number, body: ClaimAnswer): string | undefined {
  if (httpStatus === 200 && (body.status === undefined || body.status === 'succeeded')) {
    return (body.already_claimed ?? body.data?.already_claimed) ? 'succeeded (already theirs)' : 'succeeded';
  }
  if (httpStatus === 200 && body.status === 'failed') return 'failed';
  if (httpStatus === 200 && body.status === 'rejected') return body.code;
  if (httpStatus === 400 && body.code) return body.code;
  return undefined;
}

const parse = (text: string): ClaimAnswer => {
  try {
    return JSON.parse(text) as ClaimAnswer;
  } catch {
    return {};
  }
};

/**
 * A request retried like a careful client retries it: a 503 or a network error again after 100 ms,
 * for up to a minute, with the same Idempotency-Key.
 */
async function withRetries(
  counters: ClientCounters,
  label: string,
  send: () => Promise<{ status: number; body: string }>,
): Promise<{ status: number; body: string } | { error: string }> {
  const deadline = Date.now() + RETRY_FOR_MS;
  for (;;) {
    try {
      const response = await send();
      increment(counters.http, `${label} ${response.status}`);
      if (response.status !== 503 || Date.now() > deadline) return response;
      increment(counters.retried, `${label} 503`);
    } catch (error) {
      if (Date.now() > deadline) return { error: `network error: ${(error as Error).message}` };
      increment(counters.retried, `${label} network error`);
    }
    await sleep(100);
  }
}

export interface ClientOptions {
  kind: ClientKind;
  tokens: Map<number, string>;
  /** Idempotency-Keys are `${keyPrefix}-${index}`; none when undefined */
  keyPrefix?: string;
}

/** A claim-next's record names the task it got (none until decided, or when it got none). */
function learnTask(record: ClientRecord, claim: Pick<Claim, 'next'>, body: ClaimAnswer): void {
  if (claim.next) record.taskId = body.task_id ?? 0;
}

const labelled = (record: Pick<ClientRecord, 'release'>, outcome: string): string => (record.release ? `release ${outcome}` : outcome);

function headersOf(claim: Claim, index: number, options: ClientOptions): Record<string, string> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.tokens.get(claim.operatorId)}` };
  if (options.kind === 'wait') headers.prefer = WAIT;
  if (options.keyPrefix) headers['idempotency-key'] = `${options.keyPrefix}-${index}`;
  return headers;
}

/**
 * End shift: POST release-mine, one record per release request it answers with (those still queued are
 * learned with learnOutcome); a single record when the POST failed or the operator held nothing.
 */
export async function postReleaseMine(client: RoundRobinClient, claim: Claim, index: number, options: ClientOptions, counters: ClientCounters): Promise<ClientRecord[]> {
  const sentAt = wallNow();
  const response = await withRetries(counters, 'POST', () => client.request('POST', '/api/workorder-tasks/release-mine/', headersOf(claim, index, options), '{"notes":"end of shift"}'));
  const answeredAt = wallNow();
  const single = (outcome: string, postStatus: string): ClientRecord[] => [{ taskId: 0, release: true, operatorId: claim.operatorId, sentAt, answeredAt, postStatus, knownAt: answeredAt, outcome }];
  if ('error' in response) return single(response.error, response.error);
  const results = (parse(response.body) as { results?: (ClaimAnswer & { task_id: number })[] }).results;
  if (response.status >= 300 || !results) return single(`HTTP ${response.status}`, String(response.status));
  if (!results.length) return single('release nothing held', String(response.status));
  return results.map((result) => {
    const outcome = outcomeOf(200, result);
    const record: ClientRecord = { taskId: result.task_id, release: true, operatorId: claim.operatorId, sentAt, answeredAt, postStatus: String(response.status), claimId: result.claim_id };
    if (outcome !== undefined) Object.assign(record, { outcome: labelled(record, outcome), knownAt: answeredAt });
    return record;
  });
}

/** The POST of claim `index`; the record says whether its outcome is known already. */
export async function postClaim(client: RoundRobinClient, claim: Claim, index: number, options: ClientOptions, counters: ClientCounters): Promise<ClientRecord> {
  const headers = headersOf(claim, index, options);
  const record: ClientRecord = { taskId: claim.next ? 0 : claim.taskId, next: claim.next, operatorId: claim.operatorId, sentAt: wallNow(), postStatus: 'pending' };
  const path = claim.next ? '/api/workorder-tasks/claim-next/' : `/api/workorder-tasks/${claim.taskId}/claim/`;
  const response = await withRetries(counters, 'POST', () => client.request('POST', path, headers, '{"notes":"shift start"}'));
  record.answeredAt = wallNow();
  if ('error' in response) {
    record.postStatus = record.outcome = response.error;
    record.knownAt = record.answeredAt;
    return record;
  }
  record.postStatus = String(response.status);
  const body = parse(response.body);
  record.claimId = body.claim_id;
  learnTask(record, claim, body);
  const outcome = outcomeOf(response.status, body);
  if (outcome !== undefined) {
    record.outcome = outcome;
    record.knownAt = record.answeredAt;
  } else if (response.status !== 202) {
    record.outcome = `HTTP ${response.status}${body.code ? ` ${body.code}` : ''}`;
    record.knownAt = record.answeredAt;
  }
  return record;
}

/** For a claim answered 202: long-polls it, as the SDK's waitForClaim does, until it is terminal. */
export async function learnOutcome(client: RoundRobinClient, record: ClientRecord, options: ClientOptions, counters: ClientCounters): Promise<void> {
  if (record.knownAt !== undefined || record.claimId === undefined) return;
  const headers = { authorization: `Bearer ${options.tokens.get(record.operatorId)}`, prefer: WAIT };
  for (;;) {
    const response = await withRetries(counters, 'GET', () => client.request('GET', `/api/claims/${record.claimId}`, headers));
    if ('error' in response) {
      record.outcome = response.error;
      break;
    }
    const body = parse(response.body);
    if (response.status !== 200) {
      record.outcome = `GET ${response.status}`;
      break;
    }
    const outcome = outcomeOf(response.status, body);
    if (outcome !== undefined) {
      record.outcome = labelled(record, outcome);
      learnTask(record, record, body);
      break;
    }
    counters.repolls += 1;
  }
  record.knownAt = wallNow();
}
