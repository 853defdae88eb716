import { makeBatchLoader } from '../src/claims/batched-reads';

test('keys asked for in one event-loop turn are loaded with one call, each caller gets its own value', async () => {
  const calls: number[][] = [];
  const load = makeBatchLoader(async (ids: number[]) => {
    calls.push(ids);
    return new Map(ids.filter((id) => id !== 3).map((id) => [id, `v${id}`]));
  });
  const values = await Promise.all([load(1), load(2), load(1), load(3)]);
  expect(values).toEqual(['v1', 'v2', 'v1', undefined]);
  expect(calls).toEqual([[1, 2, 3]]);
});

test('a key asked for while a load is in flight goes in the next load', async () => {
  const calls: string[][] = [];
  let release: () => void = () => undefined;
  const load = makeBatchLoader(async (keys: string[]) => {
    calls.push(keys);
    if (calls.length === 1) await new Promise<void>((resolve) => (release = resolve));
    return new Map(keys.map((key) => [key, key.toUpperCase()]));
  });
  const first = load('a');
  await new Promise((resolve) => setImmediate(resolve));
  const second = load('b');
  release();
  expect(await Promise.all([first, second])).toEqual(['A', 'B']);
  expect(calls).toEqual([['a'], ['b']]);
});

test('a failed load rejects every caller of its batch, and the next batch loads again', async () => {
  let fail = true;
  const load = makeBatchLoader(async (ids: number[]) => {
    if (fail) throw new Error('database down');
    return new Map(ids.map((id) => [id, id * 10]));
  });
  const results = await Promise.allSettled([load(1), load(2)]);
  expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  fail = false;
  expect(await load(1)).toBe(10);
});
