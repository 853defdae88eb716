import { DelayedError, Worker, type Job } from 'bullmq';
import { Webhook } from 'standardwebhooks';
import {
  WEBHOOK_QUEUE_NAME,
  queuePrefix,
  webhookJobOf,
  type RedisClient,
  type WebhookJobData,
  type WebhookQueue,
} from '@taskclaim/shared/queue';
import { makeSlotsPerKey, type Config, type Logger } from '@taskclaim/shared/runtime';
import { type ClaimWebhookEvent } from '@taskclaim/shared/contracts';
import { type Db } from '@taskclaim/shared/db';
import * as webhookOutbox from './webhook-outbox.repository';
import { parseRetryAfter, retryDelayMs } from './webhook-schedule';
import { WEBHOOK_TIMEOUT_MS, type WebhookResponse, type WebhookSender } from './webhook-sender';

/** An attempt holds its event this long: past the send timeout, a crashed attempt is the reconciler's again. */
export const ATTEMPT_LEASE_MS = WEBHOOK_TIMEOUT_MS + 45_000;
/** Delivery slots of one process. */
const CONCURRENCY = 16;
/**
 * Slots of one process that one token's attempts may hold at once: a receiver that never answers
 * holds at most this many for 15 s each, and the other tokens keep the rest.
 */
export const TOKEN_SLOTS = 4;
/**
 * A retry due later than this waits in PostgreSQL rather than as a delayed job in Redis; the
 * reconciler enqueues it once due. So Redis holds a token's running attempts and near retries, not its backlog.
 */
const REDELAY_HORIZON_MS = ATTEMPT_LEASE_MS;
/** A job that fires before PostgreSQL's clock says the event is due waits at least this long, not in a loop. */
const MIN_REDELAY_MS = 250;

export interface WebhookProcessorDeps {
  config: Config;
  db: Db;
  logger: Logger;
  sender: WebhookSender;
  /** hands a token's parked events back to the queue once one of its slots is free */
  webhooks: Pick<WebhookQueue, 'enqueue'>;
  random?: () => number;
  /** attempts by result, for /metrics */
  deliveries?: { inc(labels: { result: string }): void };
}

type Verdict = { status: 'delivered' | 'gone' } | { status: 'retry'; retryAfterMs?: number };

/** Any 2xx delivers; 410 Gone stops for good; everything else (3xx included) is retried. */
function verdictOf(response: WebhookResponse | undefined): Verdict {
  if (response && response.statusCode >= 200 && response.statusCode < 300) return { status: 'delivered' };
  if (response?.statusCode === 410) return { status: 'gone' };
  return { status: 'retry', retryAfterMs: parseRetryAfter(response?.retryAfter) };
}

/** `type` and `timestamp` first for people reading it; jsonb keeps the keys below in its own order. */
function bodyOf(payload: unknown): string {
  const { type, timestamp, data, ...rest } = payload as ClaimWebhookEvent;
  return JSON.stringify({ type, timestamp, data, ...rest });
}

const errorText = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
};

/**
 * Sends one attempt of one outbox event. PostgreSQL holds the event's state: the job only says "look
 * now". A failed attempt is retried by moving this same job (same id, same webhook-id) to BullMQ's
 * delayed set until next_attempt_at, or, when that is far off, by leaving it to the reconciler; if
 * the job is lost, the reconciler enqueues the event again.
 *
 * Fairness: a token already running TOKEN_SLOTS attempts in this process gets no more slots. Its
 * next job is parked: the job ends, so it holds neither a slot nor Redis memory, while the event
 * stays due in PostgreSQL, and when one of the token's attempts ends its oldest due events are
 * enqueued again (the reconciler does the same for a process that died meanwhile).
 */
export function makeWebhookProcessor(deps: WebhookProcessorDeps) {
  const maxAttempts = deps.config.WEBHOOK_MAX_ATTEMPTS;
  // How many attempts each token has running in this process.
  const slots = makeSlotsPerKey<number | null>(TOKEN_SLOTS);
  /** tokens with events parked by this process, not yet handed back */
  const parked = new Set<number | null>();

  const waitUntil = async (job: Job, token: string | undefined, at: Date): Promise<string> => {
    if (at.getTime() - Date.now() > REDELAY_HORIZON_MS) return 'left in the outbox';
    await job.moveToDelayed(Math.max(at.getTime(), Date.now() + MIN_REDELAY_MS), token);
    throw new DelayedError();
  };

  // Best effort: an event whose parked job is still being removed keeps that job id, so this add is a
  // no-op and the reconciler sends the event once it is overdue.
  const handBack = async (tokenId: number | null, freeSlots: number): Promise<void> => {
    if (!parked.has(tokenId)) return;
    const due = await webhookOutbox.findDueEventsOfToken(deps.db, tokenId, freeSlots);
    if (due.length < freeSlots) parked.delete(tokenId);
    await deps.webhooks.enqueue(due.map(webhookJobOf));
  };

  return async (job: Job<WebhookJobData>, token?: string): Promise<string> => {
    const { eventId, claimId, webhookId } = job.data;
    const log = deps.logger.child({ claimId, webhookId, eventId });
    const current = await webhookOutbox.findEvent(deps.db, eventId);
    if (!current || current.status !== 'pending') return 'settled';
    if (!slots.take(current.token_id)) {
      parked.add(current.token_id);
      log.debug('webhook parked: its token holds its share of the delivery slots');
      return 'parked';
    }
    try {
      return await sendAttempt(job, token, log);
    } finally {
      const freeSlots = slots.give(current.token_id);
      await handBack(current.token_id, freeSlots).catch((error: Error) =>
        log.warn('could not hand back parked webhooks; the reconciler will', { error: error.message }),
      );
    }
  };

  async function sendAttempt(job: Job<WebhookJobData>, token: string | undefined, log: Logger): Promise<string> {
    const { eventId } = job.data;
    const event = await webhookOutbox.reserveAttempt(deps.db, eventId, { leaseMs: ATTEMPT_LEASE_MS, maxAttempts });
    if (!event) {
      const current = await webhookOutbox.findEvent(deps.db, eventId);
      if (!current || current.status !== 'pending') return 'settled';
      if (current.attempts >= maxAttempts) {
        // The last attempt was taken but never recorded (its process died): nothing more is tried.
        if (await webhookOutbox.markExhausted(deps.db, eventId, maxAttempts)) log.warn('webhook failed: attempts exhausted', { attempts: current.attempts });
        return 'exhausted';
      }
      // Not due yet: a retry whose time has not come, or another attempt holds the event.
      return waitUntil(job, token, current.next_attempt_at ?? new Date());
    }

    const attempt = event.attempts;
    const attemptedAt = new Date();
    const secret = await webhookOutbox.signingSecretOf(deps.db, event.token_id);
    if (!secret) {
      const error = 'not sent: the token that registered this callback is revoked or has no webhook secret';
      await webhookOutbox.recordAttempt(deps.db, event, {
        attempt, attemptedAt, statusCode: null, error, durationMs: null, status: 'failed', nextAttemptAt: null,
      });
      log.warn('webhook failed', { attempt, error });
      return 'failed';
    }

    const body = bodyOf(event.payload);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'taskclaim-webhooks',
      'webhook-id': event.webhook_id,
      'webhook-timestamp': String(Math.floor(attemptedAt.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(event.webhook_id, attemptedAt, body),
    };
    const started = performance.now();
    let response: WebhookResponse | undefined;
    let error: string | null = null;
    try {
      response = await deps.sender.send(event.url, body, headers);
    } catch (thrown) {
      error = errorText(thrown);
    }
    const durationMs = Math.round(performance.now() - started);
    const statusCode = response?.statusCode ?? null;
    const verdict = verdictOf(response);
    const outOfAttempts = attempt >= maxAttempts;
    const status = verdict.status === 'retry' ? (outOfAttempts ? 'failed' : 'pending') : verdict.status;
    const nextAttemptAt =
      status === 'pending' && verdict.status === 'retry'
        ? new Date(Date.now() + retryDelayMs(attempt, { scale: deps.config.WEBHOOK_RETRY_SCALE, retryAfterMs: verdict.retryAfterMs, random: deps.random }))
        : null;
    // If this write fails the job is retried: the event stays leased, then the attempt is made again.
    await webhookOutbox.recordAttempt(deps.db, event, { attempt, attemptedAt, statusCode, error, durationMs, status, nextAttemptAt });

    deps.deliveries?.inc({ result: status === 'pending' ? 'retry' : status });
    const meta = { attempt, statusCode, error, durationMs, nextAttemptAt: nextAttemptAt?.toISOString() };
    if (status === 'delivered') log.info('webhook delivered', meta);
    else if (status === 'gone') log.info('webhook stopped: the receiver answered 410 Gone', meta);
    else if (status === 'failed') log.warn('webhook failed after its last attempt', meta);
    else log.info('webhook attempt failed; retrying', meta);

    if (status === 'pending' && nextAttemptAt) return waitUntil(job, token, nextAttemptAt);
    return status;
  }
}

export interface WebhookDispatcher {
  close(): Promise<void>;
}

/** The `webhooks` queue's worker in this process. */
export function startWebhookDispatcher(deps: WebhookProcessorDeps & { connection: RedisClient }): WebhookDispatcher {
  const worker = new Worker<WebhookJobData>(WEBHOOK_QUEUE_NAME, makeWebhookProcessor(deps), {
    connection: deps.connection,
    prefix: queuePrefix(deps.config.QUEUE_PREFIX, WEBHOOK_QUEUE_NAME, deps.connection.isCluster),
    concurrency: CONCURRENCY,
  });
  worker.on('error', (error) => deps.logger.warn('webhook worker error', { error: error.message }));
  worker.on('failed', (job, error) => {
    if (job) deps.logger.warn('webhook job failed', { claimId: job.data.claimId, webhookId: job.data.webhookId, error: error.message });
  });
  return {
    async close() {
      // close() lets in-flight attempts (at most WEBHOOK_TIMEOUT_MS each) finish and be recorded.
      await worker.close();
      deps.sender.close();
    },
  };
}
