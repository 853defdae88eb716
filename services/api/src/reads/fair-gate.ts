import { HttpProblem } from '../http/problem';

/**
 * At most `slots` expensive reads (the paginated lists) run at once in this process, so they never
 * hold every pooled PostgreSQL connection: claims, long-polls and token reads keep the others. Reads
 * waiting for a slot are let in round-robin across tokens, so one token's many reads never queue
 * another token's one behind them all. A read whose client left while it waited is dropped.
 */
export interface FairGate {
  run<T>(key: number, read: () => Promise<T>, isClientGone: () => boolean): Promise<T>;
}

/** Nobody is left to answer; the status only reaches the logs and metrics (nginx's 499). */
const clientGone = () => new HttpProblem(499, 'client_closed_request', { en: 'The client left before its read was let in.', zh: '客户端在读取请求获准前已断开' });

interface Waiting {
  start: () => void;
  drop: () => void;
  isClientGone: () => boolean;
}

export function makeFairGate(slots: number): FairGate {
  let running = 0;
  /** key → its waiting reads; the Map's order is the round: a key served goes to the back */
  const waiting = new Map<number, Waiting[]>();

  const release = () => {
    for (const [key, queue] of waiting) {
      const next = queue.shift() as Waiting;
      waiting.delete(key);
      if (queue.length) waiting.set(key, queue);
      if (next.isClientGone()) {
        next.drop();
        continue;
      }
      // the slot passes to it: `running` stays
      next.start();
      return;
    }
    running -= 1;
  };

  return {
    async run(key, read, isClientGone) {
      if (running < slots) running += 1;
      else {
        await new Promise<void>((start, drop) => {
          const queue = waiting.get(key) ?? [];
          queue.push({ start, drop: () => drop(clientGone()), isClientGone });
          waiting.set(key, queue);
        });
      }
      try {
        return await read();
      } finally {
        release();
      }
    },
  };
}
