/**
 * Group commit: while one batch is in flight, the items asked for meanwhile wait and go in the next
 * batch, together, and items asked for in the same turn of the event loop share a batch. An idle
 * caller's item goes at once; a bursting one pays one `run` per batch instead of one per item.
 *
 * `run` answers the items of a batch in their order, or throws for all of them. `pauseAfter` may ask
 * for a pause before the next batch (a batch that found nothing to do). `maxBatch` caps a batch; the
 * items beyond it go in the next one.
 */
export function makeGroupCommit<Item, Answer>(
  run: (items: Item[]) => Promise<Answer[]>,
  options: { pauseAfter?: (answers: Answer[]) => number; maxBatch?: number } = {},
): (item: Item) => Promise<Answer> {
  let waiting: { item: Item; resolve: (answer: Answer) => void; reject: (error: unknown) => void }[] = [];
  let flushing = false;
  const flush = async () => {
    while (waiting.length) {
      const batch = options.maxBatch && waiting.length > options.maxBatch ? waiting.splice(0, options.maxBatch) : waiting;
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
    flushing = false;
  };
  return (item) =>
    new Promise((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (flushing) return;
      flushing = true;
      setImmediate(() => void flush());
    });
}
