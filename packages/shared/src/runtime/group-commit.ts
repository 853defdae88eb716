/**
 * Group commit: while one batch is in flight, the items asked for meanwhile wait and go in the next
 * batch, together, and items asked for in the same turn of the event loop share a batch. An idle
 * caller's item goes at once; a bursting one pays one `run` per batch instead of one per item.
 *
 * `run` answers the items of a batch in their order, or throws for all of them. `pauseAfter` may ask
 * for a pause before the next batch (a batch that found nothing to do). `maxBatch` caps a batch; the
 * items beyond it go in the next one. `maxInFlight` (1 unless given) is how many batches may run at
 * once: reads that every request makes pass `Infinity`, so each turn's batch goes at once and none
 * queues behind a slow one (behind a frozen PostgreSQL, queued batches of token reads waited out one
 * time limit after another, and test/faults/store-frozen.test.ts failed so).
 */
export function makeGroupCommit<Item, Answer>(
  run: (items: Item[]) => Promise<Answer[]>,
  options: { pauseAfter?: (answers: Answer[]) => number; maxBatch?: number; maxInFlight?: number } = {},
): (item: Item) => Promise<Answer> {
  const { maxBatch, maxInFlight = 1 } = options;
  let waiting: { item: Item; resolve: (answer: Answer) => void; reject: (error: unknown) => void }[] = [];
  let inFlight = 0;
  let starting = false;
  const flush = async () => {
    starting = false;
    inFlight += 1;
    // A batch about to start (maxInFlight > 1) takes what waits, so a turn's items share one batch.
    while (waiting.length && !starting) {
      const batch = maxBatch && waiting.length > maxBatch ? waiting.splice(0, maxBatch) : waiting;
      if (batch === waiting) waiting = [];
      let answers: Answer[];
      try {
        answers = await run(batch.map((entry) => entry.item));
      } catch (error) {
        for (const entry of batch) entry.reject(error);
        continue;
      }
      batch.forEach((entry, index) => entry.resolve(answers[index]));
      const pauseMs = options.pauseAfter?.(answers) ?? 0;
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
    inFlight -= 1;
  };
  return (item) =>
    new Promise((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (starting || inFlight >= maxInFlight) return;
      starting = true;
      setImmediate(() => void flush());
    });
}
