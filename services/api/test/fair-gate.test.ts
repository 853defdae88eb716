import { makeFairGate } from '../src/reads/fair-gate';

/** A read that finishes when told; records when it started. */
function deferredRead(started: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { read: async () => (started.push(name), await done, name), finish };
}
const flush = () => new Promise((resolve) => setImmediate(resolve));

test('at most `slots` reads run at once; waiting reads are let in round-robin across keys, not in arrival order', async () => {
  const gate = makeFairGate(1);
  const started: string[] = [];
  const reads = ['a1', 'a2', 'a3', 'b1', 'c1', 'b2'].map((name) => ({ name, ...deferredRead(started, name) }));
  const results = reads.map(({ name, read }) => gate.run(name.charCodeAt(0), read, () => false));
  for (const { finish } of reads) {
    await flush();
    // every read is let in only after the one before it finished
    finish();
  }
  await Promise.all(results);
  expect(started).toEqual(['a1', 'a2', 'b1', 'c1', 'a3', 'b2']);
});

test('a read whose client left while it waited is dropped, and its turn passes on', async () => {
  const gate = makeFairGate(1);
  const started: string[] = [];
  const first = deferredRead(started, 'first');
  const running = gate.run(1, first.read, () => false);
  const abandoned = gate.run(2, deferredRead(started, 'abandoned').read, () => true);
  const last = deferredRead(started, 'last');
  const waiting = gate.run(3, last.read, () => false);
  first.finish();
  await expect(abandoned).rejects.toMatchObject({ status: 499 });
  await flush();
  last.finish();
  expect(await Promise.all([running, waiting])).toEqual(['first', 'last']);
  expect(started).toEqual(['first', 'last']);
});
