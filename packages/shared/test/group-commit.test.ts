import { makeGroupCommit } from '../src/runtime/group-commit';

test('items asked for while a batch is in flight go together in the next batch, answered in their order', async () => {
  const batches: number[][] = [];
  let release!: () => void;
  const firstInFlight = new Promise<void>((resolve) => (release = resolve));
  const double = makeGroupCommit(async (items: number[]) => {
    batches.push(items);
    if (batches.length === 1) await firstInFlight;
    return items.map((item) => item * 2);
  });
  const first = double(1);
  await new Promise((resolve) => setImmediate(resolve));
  const rest = [double(2), double(3), double(4)];
  release();
  expect(await Promise.all([first, ...rest])).toEqual([2, 4, 6, 8]);
  expect(batches).toEqual([[1], [2, 3, 4]]);
});

test('a batch that throws rejects its own items only; the next batch still runs', async () => {
  const failing = makeGroupCommit(async (items: number[]) => {
    if (items.includes(0)) throw new Error('broken batch');
    return items;
  });
  const [broken, fine] = await Promise.allSettled([failing(0), failing(1)]);
  expect(broken.status).toBe('rejected');
  expect(fine.status).toBe('rejected'); // same turn, same batch
  await expect(failing(2)).resolves.toBe(2);
});

test('pauseAfter spaces the batches out', async () => {
  const batches: number[][] = [];
  const started: number[] = [];
  const run = makeGroupCommit(
    async (items: number[]) => {
      batches.push(items);
      started.push(performance.now());
      return items;
    },
    { pauseAfter: () => 20 },
  );
  const first = run(1);
  await new Promise((resolve) => setImmediate(resolve));
  await Promise.all([first, run(2)]);
  expect(batches).toEqual([[1], [2]]);
  expect(started[1] - started[0]).toBeGreaterThanOrEqual(19);
});

test('maxBatch caps a batch; the items beyond it go in the next one', async () => {
  const batches: number[][] = [];
  const run = makeGroupCommit(
    async (items: number[]) => {
      batches.push(items);
      return items;
    },
    { maxBatch: 2 },
  );
  expect(await Promise.all([run(1), run(2), run(3), run(4), run(5)])).toEqual([1, 2, 3, 4, 5]);
  expect(batches).toEqual([[1, 2], [3, 4], [5]]);
});

test('with maxInFlight, a batch asked for while another is in flight goes at once, not behind it', async () => {
  const batches: number[][] = [];
  let release!: () => void;
  const firstInFlight = new Promise<void>((resolve) => (release = resolve));
  const run = makeGroupCommit(
    async (items: number[]) => {
      batches.push(items);
      if (batches.length === 1) await firstInFlight;
      return items;
    },
    { maxInFlight: Infinity },
  );
  const first = run(1);
  await new Promise((resolve) => setImmediate(resolve));
  const second = [run(2), run(3)];
  expect(await Promise.all(second)).toEqual([2, 3]);
  expect(batches).toEqual([[1], [2, 3]]);
  release();
  await expect(first).resolves.toBe(1);
});
