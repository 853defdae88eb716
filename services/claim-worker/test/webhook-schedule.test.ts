import { MAX_RETRY_AFTER_MS, parseRetryAfter, retryDelayMs } from '../src/webhook-schedule';

const noJitter = () => 0.5;

test('follows the Standard Webhooks schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, then 10 h', () => {
  const delays = [1, 2, 3, 4, 5, 6, 7, 12].map((failed) => retryDelayMs(failed, { scale: 1, random: noJitter }));
  expect(delays).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000, 36_000_000]);
});

test('jitters each delay by at most 20 %', () => {
  expect(retryDelayMs(2, { scale: 1, random: () => 0 })).toBe(240_000);
  expect(retryDelayMs(2, { scale: 1, random: () => 0.999999 })).toBeLessThanOrEqual(360_000);
  expect(retryDelayMs(2, { scale: 1, random: () => 0.999999 })).toBeGreaterThan(359_000);
});

test('WEBHOOK_RETRY_SCALE shrinks the schedule for tests', () => {
  expect(retryDelayMs(1, { scale: 0.001, random: noJitter })).toBe(5);
  expect(retryDelayMs(2, { scale: 0.001, random: noJitter })).toBe(300);
});

test('Retry-After is honoured when it asks for longer, up to 24 h', () => {
  expect(retryDelayMs(1, { scale: 1, random: noJitter, retryAfterMs: 60_000 })).toBe(60_000);
  expect(retryDelayMs(2, { scale: 1, random: noJitter, retryAfterMs: 1_000 })).toBe(300_000);
  expect(retryDelayMs(1, { scale: 0.001, random: noJitter, retryAfterMs: 2_000 })).toBe(2_000);
  expect(retryDelayMs(1, { scale: 1, random: noJitter, retryAfterMs: 7 * 24 * 3_600_000 })).toBe(MAX_RETRY_AFTER_MS);
});

test('Retry-After is read as seconds or an HTTP date', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');
  expect(parseRetryAfter('120', now)).toBe(120_000);
  expect(parseRetryAfter(' 0 ', now)).toBe(0);
  expect(parseRetryAfter('Sun, 01 Mar 2026 12:01:30 GMT', now)).toBe(90_000);
  expect(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0);
  expect(parseRetryAfter(undefined, now)).toBeUndefined();
  expect(parseRetryAfter('soon', now)).toBeUndefined();
  expect(parseRetryAfter('-5', now)).toBeUndefined();
});
