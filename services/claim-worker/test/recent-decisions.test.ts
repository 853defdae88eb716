import { makeRecentDecisions } from '../src/recent-decisions';

test('remembers decided claims', () => {
  const recent = makeRecentDecisions(10);
  recent.add([3, 4]);
  expect(recent.has(3)).toBe(true);
  expect(recent.has(4)).toBe(true);
  expect(recent.has(5)).toBe(false);
});

test('forgets the oldest first once full', () => {
  const recent = makeRecentDecisions(3);
  recent.add([1, 2, 3]);
  recent.add([4, 5]);
  expect([1, 2, 3, 4, 5].filter((id) => recent.has(id))).toEqual([3, 4, 5]);
});
