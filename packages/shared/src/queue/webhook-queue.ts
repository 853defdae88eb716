import { Queue, type JobsOptions } from 'bullmq';
import { KEEP_FAILED_JOBS, removeFailedJobs } from './failed-jobs';
import { queuePrefix } from './queue-naming';
import { logQueueErrors, type QueueConnection } from './redis';

export const WEBHOOK_QUEUE_NAME = 'webhooks';

/** One job per outbox row; PostgreSQL holds its state, the job only says "look at this event now". */
export interface WebhookJobData {
  eventId: number;
  claimId: number;
  webhookId: string;
}

/** The job of an outbox row. */
export const webhookJobOf = (event: { id: number; claim_id: number; webhook_id: string }): WebhookJobData => ({
  eventId: event.id,
  claimId: event.claim_id,
  webhookId: event.webhook_id,
});

/**
 * Job attempts cover infrastructure errors only (PostgreSQL unreachable while recording an attempt);
 * the receiver's failures are retried by the dispatcher on the Standard Webhooks schedule.
 */
const webhookJobOptions: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: true,
  removeOnFail: KEEP_FAILED_JOBS,
};

export interface WebhookQueue {
  readonly queue: Queue<WebhookJobData>;
  enqueue(events: WebhookJobData[]): Promise<void>;
  /** The same, even over a failed job kept under an event's id (the reconciler: the event is overdue). */
  enqueueAgain(events: WebhookJobData[]): Promise<void>;
  close(): Promise<void>;
}

export function makeWebhookQueue(options: QueueConnection): WebhookQueue {
  const queue = new Queue<WebhookJobData>(WEBHOOK_QUEUE_NAME, {
    connection: options.connection,
    prefix: queuePrefix(options.prefix, WEBHOOK_QUEUE_NAME, options.connection.isCluster),
  });
  logQueueErrors(queue, options.logger);
  const enqueue = async (events: WebhookJobData[]) => {
    if (events.length === 0) return;
    // jobId = webhook id: adding an event whose job is still waiting, delayed or active is a no-op.
    await queue.addBulk(events.map((data) => ({ name: 'webhook', data, opts: { ...webhookJobOptions, jobId: data.webhookId } })));
  };
  return {
    queue,
    enqueue,
    async enqueueAgain(events) {
      await removeFailedJobs(queue, events.map((event) => event.webhookId));
      await enqueue(events);
    },
    close: () => queue.close(),
  };
}
