import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface HttpResponse {
  status: number;
  body: string;
}

/**
 * Keep-alive HTTP to one or more API processes, round-robin — a load balancer's job done by the
 * client, so no proxy takes CPU from the machine under test. Concurrency is the caller's: the agents
 * open as many sockets as requests in flight.
 */
export class RoundRobinClient {
  private next = 0;
  private readonly agents: http.Agent[];

  constructor(private readonly ports: number[]) {
    this.agents = ports.map(() => new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 10_000, scheduling: 'lifo' }));
  }

  request(method: string, path: string, headers: Record<string, string>, body?: string): Promise<HttpResponse> {
    const index = this.next++ % this.ports.length;
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.ports[index],
          method,
          path,
          agent: this.agents[index],
          headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    for (const agent of this.agents) agent.destroy();
  }
}

/** Runs `work` over `items` with at most `inflight` in flight, in order of the list. */
export async function runWithInflight<T>(items: readonly T[], inflight: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const runner = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inflight, items.length) }, runner));
}

/** Wall-clock milliseconds with sub-millisecond resolution (comparable with PostgreSQL's now() on this machine). */
export const wallNow = (): number => performance.timeOrigin + performance.now();
