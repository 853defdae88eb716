import type { Queue } from 'bullmq';
import { eventually, type TestEnv } from './test-env';

/**
 * Pauses every claim queue and returns the resume: new jobs wait; a job still draining its partition
 * (it ends once its partition has been idle for DRAIN_LINGER_MS, 2 s) ends first, so from then on a stored
 * claim stays queued.
 */
export async function pauseClaimQueues(queues: readonly Queue[]): Promise<() => Promise<void>> {
  await Promise.all(queues.map((queue) => queue.pause()));
  await eventually(async () => ((await Promise.all(queues.map((queue) => queue.getActiveCount()))).every((count) => count === 0) ? true : undefined), 10_000, 'the running claim jobs to end');
  return async () => void (await Promise.all(queues.map((queue) => queue.resume())));
}

/** Holds every partition so a claim stays queued while a test changes the world under it. */
export async function whilePaused<T>(env: TestEnv, action: () => Promise<T>): Promise<T> {
  const resume = await pauseClaimQueues(env.api.queues.queues);
  try {
    return await action();
  } finally {
    await resume();
  }
}
