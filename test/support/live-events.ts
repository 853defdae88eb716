/** A GET /api/events stream read over fetch with the SDK's parser: every event it received, and its comments. */
import { parseEventStream } from '@taskclaim/client';

export interface ReceivedEvent {
  event: string;
  id: string;
  data: any;
}

export interface LiveStream {
  status: number;
  headers: Headers;
  events: ReceivedEvent[];
  comments: string[];
  /** resolves when the server ends the stream */
  ended: Promise<void>;
  /** the first event (already received or still to come) that matches */
  next(match: (event: ReceivedEvent) => boolean, timeoutMs?: number): Promise<ReceivedEvent>;
  close(): void;
}

export async function openEventStream(baseUrl: string, token: string): Promise<LiveStream> {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/api/events`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: controller.signal });
  const events: ReceivedEvent[] = [];
  const comments: string[] = [];
  const listeners = new Set<() => void>();
  const ended = (async () => {
    if (!response.body) return;
    try {
      for await (const received of parseEventStream(response.body as unknown as AsyncIterable<Uint8Array>, (comment) => comments.push(comment))) {
        events.push({ event: received.event, id: received.id, data: JSON.parse(received.data) });
        for (const listener of listeners) listener();
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    status: response.status,
    headers: response.headers,
    events,
    comments,
    ended,
    next(match, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(match);
          if (!found) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms; received: ${JSON.stringify(events).slice(0, 1000)}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    close: () => controller.abort(),
  };
}

/** An API process's resident memory and JS heap, as its /metrics tells. */
export async function memoryOf(baseUrl: string): Promise<{ rss: number; heap: number }> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)`, 'm').exec(text)?.[1]);
  return { rss: read('taskclaim_process_resident_memory_bytes'), heap: read('taskclaim_nodejs_heap_size_used_bytes') };
}
