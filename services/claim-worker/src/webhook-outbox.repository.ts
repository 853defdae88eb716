import type { Knex } from 'knex';
import type { webhooksRepo } from '@taskclaim/shared/db';

type WebhookEventRow = webhooksRepo.WebhookEventRow;

/**
 * The webhook outbox as the worker's dispatcher and reconciler read and write it: only the worker
 * sends webhooks. (The decision writes the outbox row, in the shared webhooks repository; the API reads
 * the deliveries.)
 */

export async function findEvent(db: Knex, eventId: number): Promise<WebhookEventRow | undefined> {
  return db<WebhookEventRow>('webhook_events').where({ id: eventId }).first();
}

/**
 * Takes the next attempt of a due event: counts it and moves next_attempt_at `leaseMs` ahead, so
 * nobody else sends it meanwhile and, should this process die mid-send, the reconciler finds it
 * again once the lease is over. Undefined when the event is not pending, not due, or out of attempts.
 */
export async function reserveAttempt(db: Knex, eventId: number, options: { leaseMs: number; maxAttempts: number }): Promise<WebhookEventRow | undefined> {
  const [row]: WebhookEventRow[] = await db('webhook_events')
    .where({ id: eventId, status: 'pending' })
    .andWhere('attempts', '<', options.maxAttempts)
    .andWhere('next_attempt_at', '<=', db.fn.now())
    .update({
      attempts: db.raw('attempts + 1'),
      next_attempt_at: db.raw(`now() + make_interval(secs => ?)`, [options.leaseMs / 1000]),
    })
    .returning('*');
  return row;
}

/** The signing secret of the token that registered the callback; undefined once that token is revoked. */
export async function signingSecretOf(db: Knex, tokenId: number | null): Promise<string | undefined> {
  if (tokenId === null) return undefined;
  const token = await db('api_tokens').where({ id: tokenId }).whereNull('revoked_at').first('webhook_secret');
  return token?.webhook_secret ?? undefined;
}

export interface AttemptOutcome {
  attempt: number;
  attemptedAt: Date;
  statusCode: number | null;
  error: string | null;
  durationMs: number | null;
  /** pending: retried at nextAttemptAt */
  status: webhooksRepo.WebhookEventStatus;
  nextAttemptAt: Date | null;
}

/** Records one attempt and the event's new state together. */
export async function recordAttempt(db: Knex, event: Pick<WebhookEventRow, 'id' | 'claim_id' | 'webhook_id'>, outcome: AttemptOutcome): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('webhook_deliveries').insert({
      claim_id: event.claim_id,
      webhook_id: event.webhook_id,
      attempt: outcome.attempt,
      attempted_at: outcome.attemptedAt,
      status_code: outcome.statusCode,
      error: outcome.error?.slice(0, 1000) ?? null,
      duration_ms: outcome.durationMs,
      next_attempt_at: outcome.nextAttemptAt,
    });
    await trx('webhook_events')
      // Only the attempt that holds the event writes its state.
      .where({ id: event.id, status: 'pending', attempts: outcome.attempt })
      .update({
        status: outcome.status,
        next_attempt_at: outcome.nextAttemptAt,
        delivered_at: outcome.status === 'delivered' ? trx.fn.now() : null,
      });
  });
}

/** An event still pending after its last attempt (a crash after the final send): nothing more is tried. */
export async function markExhausted(db: Knex, eventId: number, maxAttempts: number): Promise<boolean> {
  const updated = await db('webhook_events')
    .where({ id: eventId, status: 'pending' })
    .andWhere('attempts', '>=', maxAttempts)
    .update({ status: 'failed', next_attempt_at: null });
  return updated > 0;
}

export type WebhookEventRef = Pick<WebhookEventRow, 'id' | 'claim_id' | 'webhook_id'>;

/**
 * Pending events whose attempt is overdue by `overdueMs`: their job was lost (a crash between commit
 * and enqueue, a Redis flush) or parked in PostgreSQL. At most `perToken` of each token, oldest
 * first, so one token's backlog neither fills a round nor floods Redis.
 */
export async function findOverdueEvents(db: Knex, overdueMs: number, limit: number, perToken: number): Promise<WebhookEventRef[]> {
  const ranked = db('webhook_events')
    .select('id', 'claim_id', 'webhook_id', 'next_attempt_at')
    .select(db.raw('row_number() OVER (PARTITION BY token_id ORDER BY next_attempt_at, id) AS rank'))
    .where({ status: 'pending' })
    .andWhere('next_attempt_at', '<', db.raw(`now() - make_interval(secs => ?)`, [overdueMs / 1000]));
  return db
    .from(ranked.as('e'))
    .select('id', 'claim_id', 'webhook_id')
    .where('rank', '<=', perToken)
    .orderBy([{ column: 'next_attempt_at' }, { column: 'id' }])
    .limit(limit);
}

/** The due pending events of one token (none of them held by an attempt: a held event is not due), oldest first. */
export async function findDueEventsOfToken(db: Knex, tokenId: number | null, limit: number): Promise<WebhookEventRef[]> {
  return db<WebhookEventRow>('webhook_events')
    .select('id', 'claim_id', 'webhook_id')
    .where({ status: 'pending' })
    .andWhere((where) => (tokenId === null ? where.whereNull('token_id') : where.where('token_id', tokenId)))
    .andWhere('next_attempt_at', '<=', db.fn.now())
    .orderBy([{ column: 'next_attempt_at' }, { column: 'id' }])
    .limit(limit);
}
