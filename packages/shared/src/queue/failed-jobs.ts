import type { Queue } from 'bullmq';

/**
 * Failed jobs stay for the queue dashboard, where an admin sees why and may retry them (a job only
 * says "look at PostgreSQL now", so a retry decides nothing twice): the last 1,000 of each queue, for
 * at most 7 days, so Redis memory stays bounded. Completed jobs go at once: their outcome lives in
 * PostgreSQL, and a shift start would otherwise leave thousands of them behind.
 */
export const KEEP_FAILED_JOBS = { count: 1_000, age: 7 * 24 * 60 * 60 };

/** A job kept failed under an id turns an add under that id into a no-op: an add that must happen (the reconciler's) removes it first. */
export async function removeFailedJobs(queue: Queue, jobIds: string[]): Promise<void> {
  const states = await Promise.all(jobIds.map((jobId) => queue.getJobState(jobId)));
  await Promise.all(jobIds.filter((_, index) => states[index] === 'failed').map((jobId) => queue.remove(jobId)));
}
