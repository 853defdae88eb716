import type { Logger } from '@taskclaim/shared/runtime';
import type { RedisClient } from '@taskclaim/shared/queue';
import { makeRateLimiter } from '../src/http/rate-limit';

/**
 * The Redis commands the limiter sends, kept in a map (a small fake: the limiter's own rules are under test,
 * not Redis). Not covered here: its script in Redis, which idempotency.test and redis-cluster.test run.
 */
function fakeRedis(status = 'ready') {
  const values = new Map<string, number>();
  const ttls = new Map<string, number>();
  const redis = {
    status,
    async incrby(key: string, by: number) {
      values.set(key, (values.get(key) ?? 0) + by);
      return values.get(key) as number;
    },
    async pexpire(key: string, ms: number) {
      ttls.set(key, ms);
      return 1;
    },
    async eval(_script: string, _keys: number, key: string, by: number, windowMs: number) {
      const total = await redis.incrby(key, by);
      if (!ttls.has(key)) ttls.set(key, windowMs);
      return [total, ttls.get(key)];
    },
  };
  return { redis: redis as unknown as RedisClient & { status: string }, values };
}

const logger = () => {
  const warnings: string[] = [];
  return { logger: { warn: (message: string) => warnings.push(message) } as unknown as Logger, warnings };
};

const tick = () => new Promise((resolve) => setTimeout(resolve, 150));

test('a token is refused past its limit, with the seconds until its window ends; another token is not', () => {
  let now = 1_000_000;
  const limiter = makeRateLimiter({ redis: fakeRedis().redis, prefix: 't', perMinute: 3, logger: logger().logger, now: () => now });
  try {
    expect([1, 2, 3].map(() => limiter.consume(7).allowed)).toEqual([true, true, true]);
    now += 20_000;
    expect(limiter.consume(7)).toEqual({ allowed: false, retryAfterSeconds: 40 });
    expect(limiter.consume(8).allowed).toBe(true);
    now += 40_000;
    expect(limiter.consume(7).allowed).toBe(true); // a new window
  } finally {
    limiter.close();
  }
});

test("the counts of other processes, learned from the shared counter, use up this process's budget", async () => {
  const { redis, values } = fakeRedis();
  const limiter = makeRateLimiter({ redis, prefix: 't', perMinute: 10, logger: logger().logger });
  try {
    expect(limiter.consume(7).allowed).toBe(true);
    await tick();
    expect(values.get('t:rate-limit:7')).toBe(1);
    values.set('t:rate-limit:7', 9); // eight requests of this token through another API process
    expect(limiter.consume(7).allowed).toBe(true);
    await tick();
    expect(limiter.consume(7).allowed).toBe(false);
  } finally {
    limiter.close();
  }
});

test('while Redis is down the local counts decide, and the limiter warns once, not once per request', async () => {
  const { redis } = fakeRedis('reconnecting');
  const { logger: log, warnings } = logger();
  const limiter = makeRateLimiter({ redis, prefix: 't', perMinute: 1_000, logger: log });
  try {
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 50; i++) expect(limiter.consume(7).allowed).toBe(true);
      await tick();
    }
    expect(warnings).toHaveLength(1);
  } finally {
    limiter.close();
  }
});

test('requests counted while their sync is on its way to Redis still use up the budget, and are counted once', async () => {
  const { redis } = fakeRedis();
  let answer!: () => void;
  const evalNow = redis.eval.bind(redis);
  (redis as unknown as { eval: typeof evalNow }).eval = (async (...args: Parameters<typeof evalNow>) => {
    await new Promise<void>((resolve) => (answer = resolve));
    return evalNow(...args);
  }) as typeof evalNow;
  const limiter = makeRateLimiter({ redis, prefix: 't', perMinute: 4, logger: logger().logger });
  try {
    expect(limiter.consume(7)).toEqual({ allowed: true, remaining: 3 });
    await tick(); // the first count is sent; Redis has not answered yet
    expect(answer).toBeDefined();
    expect(limiter.consume(7)).toEqual({ allowed: true, remaining: 2 });
    answer();
    await tick(); // the shared counter now holds the first request, the local count the second
    expect(limiter.consume(7)).toEqual({ allowed: true, remaining: 1 });
    expect(limiter.consume(7)).toEqual({ allowed: true, remaining: 0 });
    expect(limiter.consume(7).allowed).toBe(false);
  } finally {
    limiter.close();
  }
});
