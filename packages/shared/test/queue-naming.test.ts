import { claimPartitions, claimQueueName } from '../src/queue/claim-queues';
import { CLAIM_NEXT_PARTITION, queuePrefix } from '../src/queue/queue-naming';
import { parseClusterNodes } from '../src/queue/redis';

describe('queuePrefix', () => {
  test('on a single Redis every queue keeps QUEUE_PREFIX, as before', () => {
    expect(queuePrefix('taskclaim', 3, false)).toBe('taskclaim');
    expect(queuePrefix('taskclaim', 'webhooks', false)).toBe('taskclaim');
  });

  test('on a Redis Cluster each partition and the webhook queue get a hash tag of their own', () => {
    expect(queuePrefix('taskclaim', 0, true)).toBe('{taskclaim-0}');
    expect(queuePrefix('taskclaim', 15, true)).toBe('{taskclaim-15}');
    expect(queuePrefix('taskclaim', 'webhooks', true)).toBe('{taskclaim-webhooks}');
    const prefixes = new Set(Array.from({ length: 16 }, (_, p) => queuePrefix('taskclaim', p, true)));
    expect(prefixes.size).toBe(16);
  });

  test('the claim-next partition has a queue and a hash tag of its own, drained with the task partitions', () => {
    expect(claimQueueName(CLAIM_NEXT_PARTITION)).toBe('claims-next');
    expect(queuePrefix('taskclaim', CLAIM_NEXT_PARTITION, true)).toBe('{taskclaim-next}');
    expect(claimPartitions(3)).toEqual([0, 1, 2, CLAIM_NEXT_PARTITION]);
  });

  test('braces inside QUEUE_PREFIX cannot end the hash tag early', () => {
    expect(queuePrefix('{tc}', 2, true)).toBe('{tc-2}');
  });
});

describe('parseClusterNodes', () => {
  test('reads host:port pairs, trimming spaces and ignoring empty entries', () => {
    expect(parseClusterNodes('redis-1:7000, 10.0.0.2:7001,,[::1]:7002')).toEqual([
      { host: 'redis-1', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
  });

  test('refuses an entry without a port', () => {
    expect(() => parseClusterNodes('redis-1')).toThrow(/host:port/);
  });
});
