import { claimJobId, claimJobOptions, claimQueueName, partitionOf } from '../src/queue/claim-queues';

describe('partitionOf', () => {
  test('is deterministic: the same id always maps to the same partition', () => {
    for (const id of [1, 2, 42, 1000, 123456789, Number.MAX_SAFE_INTEGER]) {
      const first = partitionOf(id, 16);
      for (let i = 0; i < 5; i += 1) expect(partitionOf(id, 16)).toBe(first);
    }
  });

  test('pins known values, so every process and release routes a task to the same queue', () => {
    // FNV-1a 32-bit over the decimal string: a change here would split one task's claims over two queues.
    const fnv1a = (text: string): number => {
      let hash = 0x811c9dc5;
      for (const char of text) {
        hash ^= char.charCodeAt(0);
        hash = Math.imul(hash, 0x01000193) >>> 0;
      }
      return hash;
    };
    expect(fnv1a('a')).toBe(0xe40c292c); // published FNV-1a test vector
    for (const id of [1, 17, 4096, 987654321]) expect(partitionOf(id, 16)).toBe(fnv1a(String(id)) % 16);
  });

  test.each([1, 2, 3, 7, 16, 64, 1024])('always lands in [0, %i) as an integer', (partitions) => {
    for (let id = 1; id <= 2000; id += 1) {
      const partition = partitionOf(id, partitions);
      expect(Number.isInteger(partition)).toBe(true);
      expect(partition).toBeGreaterThanOrEqual(0);
      expect(partition).toBeLessThan(partitions);
    }
  });

  test('stays in range for very large ids', () => {
    for (const id of [2 ** 31, 2 ** 32 + 1, 2 ** 53 - 1]) {
      const partition = partitionOf(id, 16);
      expect(partition).toBeGreaterThanOrEqual(0);
      expect(partition).toBeLessThan(16);
    }
  });

  test('a single partition takes everything', () => {
    for (let id = 1; id <= 100; id += 1) expect(partitionOf(id, 1)).toBe(0);
  });

  test('spreads ids 1..10000 over 16 partitions: each gets between 3% and 10%', () => {
    const counts = new Array<number>(16).fill(0);
    for (let id = 1; id <= 10_000; id += 1) counts[partitionOf(id, 16)] += 1;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(10_000);
    for (const count of counts) {
      expect(count).toBeGreaterThanOrEqual(300);
      expect(count).toBeLessThanOrEqual(1000);
    }
  });

  test('consecutive ids do not all fall into the same partition', () => {
    const used = new Set(Array.from({ length: 32 }, (_, i) => partitionOf(1000 + i, 16)));
    expect(used.size).toBeGreaterThan(4);
  });
});

describe('claim job naming', () => {
  test('claimJobId is not integer-like (BullMQ refuses integer custom ids)', () => {
    for (const claimId of [1, 42, 9_007_199_254_740_991]) {
      const jobId = claimJobId(claimId);
      expect(typeof jobId).toBe('string');
      expect(jobId).not.toMatch(/^\d+$/);
      expect(Number.isInteger(Number(jobId))).toBe(false);
      expect(jobId).toContain(String(claimId));
    }
  });

  test('claimJobId is stable and one-to-one, so a re-add is a no-op and claims never collide', () => {
    expect(claimJobId(5)).toBe(claimJobId(5));
    const ids = new Set(Array.from({ length: 1000 }, (_, i) => claimJobId(i + 1)));
    expect(ids.size).toBe(1000);
  });

  test('claimQueueName differs per partition', () => {
    const names = new Set(Array.from({ length: 16 }, (_, p) => claimQueueName(p)));
    expect(names.size).toBe(16);
    expect(claimQueueName(3)).toContain('3');
  });

  test('completed jobs are removed and failed ones kept within a bound, so Redis memory stays bounded', () => {
    const options = claimJobOptions(12);
    expect(options.attempts).toBe(12);
    expect(options.removeOnComplete).toBe(true);
    expect(options.removeOnFail).toEqual({ count: 1_000, age: 7 * 24 * 60 * 60 });
    expect(options.backoff).toMatchObject({ type: 'exponential' });
  });
});
