/**
 * The BullMQ key prefix of one queue — the only place that decides it (queues, workers, the dashboard
 * and the metrics all go through here or through the queues built here).
 *
 * On a single Redis every queue shares `QUEUE_PREFIX`, as it always did. On a Redis Cluster each claim
 * partition, the webhook queue, the lease queue and the reconciler queue gets a hash-tagged prefix of
 * its own (`{taskclaim-3}`, `{taskclaim-webhooks}`): every key of one queue then hashes to one slot,
 * which BullMQ's Lua scripts need, and different queues hash to different slots, so the partitions
 * spread over the masters.
 * Braces inside QUEUE_PREFIX are dropped there, since they would end the hash tag early.
 */
export function queuePrefix(prefix: string, queue: number | 'webhooks' | 'leases' | 'reconciler', cluster: boolean): string {
  return cluster ? `{${prefix.replace(/[{}]/g, '')}-${queue === CLAIM_NEXT_PARTITION ? 'next' : queue}}` : prefix;
}

/**
 * The partition of claim-next requests: they have no task to hash until decided, so they wait in a
 * partition of their own, whose queue (`claims-next`) has global concurrency 1 like every partition:
 * claim-next requests are decided one batch at a time, in acceptance order.
 */
export const CLAIM_NEXT_PARTITION = -1;
