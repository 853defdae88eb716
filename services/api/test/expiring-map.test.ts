import { makeExpiringMap } from '../src/expiring-map';

test('an entry is forgotten maxAgeMs after it was set', () => {
  let now = 0;
  const map = makeExpiringMap<number, string>({ capacity: 10, maxAgeMs: 100, now: () => now });
  map.set(1, 'a');
  now = 100;
  expect(map.get(1)).toBe('a');
  now = 101;
  expect(map.get(1)).toBeUndefined();
});

test('past its capacity the oldest entries go first; setting a key again makes it the newest', () => {
  const map = makeExpiringMap<number, string>({ capacity: 2, maxAgeMs: 1_000 });
  map.set(1, 'a');
  map.set(2, 'b');
  map.set(1, 'a again');
  map.set(3, 'c');
  expect([map.get(1), map.get(2), map.get(3)]).toEqual(['a again', undefined, 'c']);
});

test('an entry can be forgotten at once, one key or all of them', () => {
  const map = makeExpiringMap<number, string>({ capacity: 10, maxAgeMs: 1_000 });
  map.set(1, 'a');
  map.set(2, 'b');
  map.set(3, 'c');
  map.delete(1);
  expect([map.get(1), map.get(2)]).toEqual([undefined, 'b']);
  map.clear();
  expect([map.get(2), map.get(3)]).toEqual([undefined, undefined]);
});
