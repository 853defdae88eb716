/** BullMQ queues and the Redis connection: import the domain and the runtime, never the database. */
export { isRedisCluster, logQueueErrors, makeRedis, parseClusterNodes, type RedisClient, type RedisTarget, waitForRedis } from './redis';
export { CLAIM_NEXT_PARTITION, queuePrefix } from './queue-naming';
export {
  type ClaimJobData,
  claimJobId,
  claimJobOptions,
  claimPartitions,
  claimQueueName,
  type ClaimQueues,
  DRAIN_LINGER_MS,
  drainPartition,
  makeClaimQueues,
  partitionOf,
  partitionOfRequest,
  type QueuedClaim,
} from './claim-queues';
export { claimEventsChannel, type DecidedClaim, publishClaimsDecided } from './claim-events';
export { makeWebhookQueue, WEBHOOK_QUEUE_NAME, type WebhookJobData, webhookJobOf, type WebhookQueue } from './webhook-queue';
export { type Lease, LEASE_QUEUE_NAME, type LeaseJobData, type LeaseQueue, makeLeaseQueue } from './lease-queue';
export { makeReconcilerQueue, RECONCILER_QUEUE_NAME, type ReconcilerQueue, type ReconcilerRound } from './reconciler-queue';
