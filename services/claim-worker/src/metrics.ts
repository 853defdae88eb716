import { createServer } from 'node:http';
import type { Queue } from 'bullmq';
import { Counter, Gauge, type Registry } from 'prom-client';
import { closerOf, type Logger } from '@taskclaim/shared/runtime';

/** failed: the jobs kept for the dashboard (KEEP_FAILED_JOBS), worth an alert when it grows */
const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;

/** Jobs per state of every queue this process works, read from Redis at scrape time. */
export function registerQueueDepth(registry: Registry, queues: { name: string; queue: Queue }[]): void {
  new Gauge({
    name: 'taskclaim_queue_jobs',
    help: 'Jobs in each queue (claim partitions, webhooks, leases, reconciler rounds) by state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      const counts = await Promise.all(queues.map(({ queue }) => queue.getJobCounts(...JOB_STATES)));
      queues.forEach(({ name }, index) => {
        for (const state of JOB_STATES) this.set({ queue: name, state }, counts[index][state] ?? 0);
      });
    },
  });
}

export function makeWebhookDeliveryCounter(registry: Registry): Counter<'result'> {
  return new Counter({
    name: 'taskclaim_webhook_deliveries_total',
    help: 'Webhook delivery attempts by result (delivered, gone, retry, failed)',
    labelNames: ['result'],
    registers: [registry],
  });
}

/** GET /metrics and GET /healthz of a worker process on WORKER_METRICS_PORT: its port, and how to close it. */
export async function startMetricsServer(registry: Registry, port: number, logger: Logger): Promise<{ port: number; close: () => Promise<void> } | undefined> {
  const server = createServer((req, res) => {
    res.setHeader('X-Content-Type-Options', 'nosniff'); // SPEC §6: every response
    if (req.method === 'GET' && req.url === '/metrics') {
      registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
        (error: Error) => res.writeHead(503, { 'content-type': 'text/plain' }).end(`metrics unavailable: ${error.message}\n`),
      );
    } else if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  return new Promise((resolve) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      // Several workers on one host: the first takes the port; the others run without an endpoint.
      logger.warn('worker metrics endpoint not started', { port, error: error.message });
      resolve(undefined);
    });
    const close = closerOf(server);
    server.listen(port, () => {
      const { port: listening } = server.address() as { port: number };
      logger.info('worker metrics listening', { port: listening });
      resolve({ port: listening, close });
    });
  });
}
