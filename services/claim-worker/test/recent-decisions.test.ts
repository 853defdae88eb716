import { makeRecentDecisions } from '../src/recent-decisions';

test('remembers decided claims', () => {
  const recent = makeRecentDecisions({ capacity: 10 });
  recent.add([3, 4]);
  expect(recent.has(3)).toBe(true);
  expect(recent.has(4)).toBe(true);
  expect(recent.has(5)).toBe(false);
});

test('forgets the oldest first once full', () => {
  const recent = makeRecentDecisions({ capacity: 3 });
  recent.add([1, 2, 3]);
  recent.add([4, 5]);
  expect([1, 2, 3, 4, 5].filter((id) => recent.has(id))).toEqual([3, 4, 5]);
});

test('forgets a decision once it is older than maxAgeMs, so a stale entry cannot strand a claim', () => {
  let clock = 0;
  const recent = makeRecentDecisions({ maxAgeMs: 1_000, now: () => clock });
  recent.add([7]);
  clock = 1_000;
  expect(recent.has(7)).toBe(true);
  clock = 1_001;
  expect(recent.has(7)).toBe(false);
});
