import { makeDb, type Db } from '@taskclaim/shared/db';
import {
  makeClaimQueues,
  makeRedis,
  makeWebhookQueue,
  makeLeaseQueue,
  makeReconcilerQueue,
  type ClaimQueues,
  type LeaseQueue,
  type ReconcilerQueue,
  type RedisClient,
  type WebhookQueue,
} from '@taskclaim/shared/queue';
import { makeSlotsPerKey, type Config, type Logger } from '@taskclaim/shared/runtime';
import { makeReportDecisions } from '@taskclaim/shared';
import { makeBatchedReads, type BatchedReads } from './claims/batched-reads';
import { makeClaimDispatch } from './claims/claim-dispatch';
import { findClaimByIdempotencyKey } from './db/claims.repository';
import { makeRecentClaims, type RecentClaims } from './claims/recent-claims';
import { makeClaimWaiters, type ClaimWaiters } from './claims/claim-waiters';
import { makeWaitForDecision, type SubmitClaimPorts } from './claims/submit-claim';
import { makeAccessChanges, type AccessChanges } from './events/access-changes';
import { makeEventStreams, type EventStreams } from './events/event-streams';
import { makeRateLimiter, type RateLimiter } from './http/rate-limit';
import { makeFairGate, type FairGate } from './reads/fair-gate';
import { makeApiMetrics, type ApiMetrics } from './metrics';

export interface ApiDeps {
  config: Config;
  logger: Logger;
  db: Db;
  /** a single Redis, or a Redis Cluster when REDIS_CLUSTER_NODES is set */
  redis: RedisClient;
  queues: ClaimQueues;
  /** inline dispatch decides claims here, so it enqueues their webhooks too */
  webhooks: WebhookQueue;
  /** lease expiries: inline dispatch schedules them here, and the queue dashboard shows them */
  leases: LeaseQueue;
  /** the reconciler's rounds (the workers run them), for the queue dashboard */
  reconcilerRounds: ReconcilerQueue;
  waiters: ClaimWaiters;
  /** claims this process stored lately: their long-polls need no read */
  recentClaims: RecentClaims;
  metrics: ApiMetrics;
  /** what submitClaim uses: the dispatch (queue or inline, chosen once), the waits for decisions, the reads it needs */
  claims: SubmitClaimPorts;
  /** RATE_LIMIT_PER_MINUTE per token, shared by the API processes */
  rateLimiter: RateLimiter;
  /** token, task and claim reads of concurrent requests and woken waiters, batched per event-loop turn */
  reads: BatchedReads;
  /** the paginated lists: at most half the pool at once, let in round-robin across tokens */
  listReads: FairGate;
  /** GET /api/events: the live event streams held by this process */
  events: EventStreams;
  /** revocations and operator changes, told to every API process (trusted tokens forgotten, streams checked) */
  accessChanges: AccessChanges;
  close(): Promise<void>;
}

export async function makeApiDeps(config: Config, logger: Logger): Promise<ApiDeps> {
  const db = makeDb(config.DATABASE_URL, { max: config.DATABASE_POOL_MAX, timeoutMs: config.DATABASE_TIMEOUT_MS });
  const redis = makeRedis(config, 'request');
  const subscriber = makeRedis(config, 'blocking');
  for (const [name, connection] of [['redis', redis], ['redis-subscriber', subscriber]] as const) {
    connection.on('error', (error: Error) => logger.warn('redis connection error', { connection: name, error: error.message }));
  }
  const queues = makeClaimQueues({ connection: redis, prefix: config.QUEUE_PREFIX, logger, partitions: config.CLAIM_PARTITIONS, attempts: config.CLAIM_ATTEMPTS });
  const webhooks = makeWebhookQueue({ connection: redis, prefix: config.QUEUE_PREFIX, logger });
  // inline dispatch decides claims here, so it schedules their leases' expiries too
  const leases = makeLeaseQueue({ connection: redis, prefix: config.QUEUE_PREFIX, logger });
  const reconcilerRounds = makeReconcilerQueue({ connection: redis, prefix: config.QUEUE_PREFIX, logger });
  const waiters = await makeClaimWaiters(subscriber, config.QUEUE_PREFIX);
  const metrics = makeApiMetrics(() => waiters);
  const events = makeEventStreams({ db, waiters, logger, keepAliveMs: config.EVENTS_KEEP_ALIVE_MS, streamsPerToken: config.MAX_STREAMS_PER_TOKEN });
  const reads = makeBatchedReads(db);
  const accessChanges = await makeAccessChanges({
    publisher: redis,
    subscriber,
    prefix: config.QUEUE_PREFIX,
    logger,
    onChange: () => {
      reads.forgetAccess();
      events.accessChanged().catch((error: Error) => logger.warn('could not check the event streams after an access change; the next check will', { error: error.message }));
    },
  });
  const report = makeReportDecisions({ publisher: redis, prefix: config.QUEUE_PREFIX, webhooks, leases, metrics: metrics.decisions, logger });
  const rateLimiter = makeRateLimiter({ redis, prefix: config.QUEUE_PREFIX, perMinute: config.RATE_LIMIT_PER_MINUTE, logger });
  const recentClaims = makeRecentClaims();
  const claims: SubmitClaimPorts = {
    taskView: reads.taskView,
    claimByIdempotencyKey: (tokenId, key) => findClaimByIdempotencyKey(db, tokenId, key),
    partitions: config.CLAIM_PARTITIONS,
    dispatch: makeClaimDispatch(config, { db, redis, queues, report, recentClaims, readClaim: reads.claim, logger }),
    // MAX_WAITS_PER_TOKEN: one token cannot hold thousands of sockets with `Prefer: wait`
    waitForDecision: makeWaitForDecision({ waiters, waitSlots: makeSlotsPerKey<number>(config.MAX_WAITS_PER_TOKEN), readClaim: reads.claim }),
    logger,
    claimsAccepted: metrics.claimsAccepted,
  };
  return {
    config,
    logger,
    db,
    redis,
    queues,
    webhooks,
    leases,
    reconcilerRounds,
    waiters,
    recentClaims,
    metrics,
    claims,
    reads,
    listReads: makeFairGate(Math.max(1, Math.floor(config.DATABASE_POOL_MAX / 2))),
    rateLimiter,
    events,
    accessChanges,
    async close() {
      events.close();
      await accessChanges.close();
      rateLimiter.close();
      await waiters.close();
      await queues.close();
      await webhooks.close();
      await leases.close();
      await reconcilerRounds.close();
      await db.destroy();
      subscriber.disconnect();
      redis.disconnect();
    },
  };
}
