import { TaskclaimApiError, type Claim, type LiveEvent, type TaskclaimClient } from '@taskclaim/client';
import { backoff, retryFor, sleep } from './backoff';

export interface LiveOptions {
  /** a task event, or the decision of one of the operator's requests */
  onEvent(event: LiveEvent): void;
  /** the stream is up: list again, nothing from before it is replayed */
  onOpen(): void;
  /** an attempt ended: the stream went down, or did not come up */
  onDown(): void;
  /** 401/403: the token stopped working; the stream is not opened again */
  onRefused(error: TaskclaimApiError): void;
}

/** What a claim waiting for its decision needs of the stream. */
export interface ClaimDecisions {
  /** which connection is up (each opening gets a new number), or undefined while the stream is down */
  connection(): number | undefined;
  /**
   * The claim's decision as the stream told it (also when it came before this was asked), or undefined
   * once the stream is down or `ms` passed without it.
   */
  decision(claimId: number, ms: number, signal: AbortSignal): Promise<Claim | undefined>;
  /** resolves when the stream is up (at once if it is); rejects when `signal` aborts first */
  whenConnected(signal: AbortSignal): Promise<void>;
}

export interface Live extends ClaimDecisions {
  /** opens the stream with the session's token (its events are in no language: any client will do) */
  start(client: TaskclaimClient): void;
  /** closes it, without a word to `onDown` */
  stop(): void;
}

/** An answer takes milliseconds; one that has not come by then is given up (the page lists without it meanwhile). */
const CONNECT_MS = 5_000;
/** The server's keep-alive comes at least every 25 s: this long without a byte, the connection is dead (a phone that roamed). */
const SILENCE_MS = 60_000;
/** A stream that stayed up this long ended normally (a restart): the next one starts the back-off afresh. */
const HEALTHY_MS = 30_000;
/** Decisions kept for claims that ask after theirs was heard (the 202 can arrive after the event). */
const DECISIONS_KEPT = 50;

/**
 * GET /api/events, held open over fetch streaming (the SDK's `subscribe`: an EventSource cannot send the
 * token), opened again after it ends or fails with a back-off that doubles from 1 s up to 5 minutes,
 * never sooner than `Retry-After`. While it is down the console falls back to long-polls and refreshes.
 */
export function makeLive(options: LiveOptions): Live {
  let session: AbortController | undefined;
  let up = false;
  let openings = 0;
  const decisions = new Map<number, Claim>();
  /** woken whenever a decision is heard or the stream goes up or down */
  const waiting = new Set<() => void>();
  const wake = () => {
    for (const waiter of [...waiting]) waiter();
  };

  const setUp = (connected: boolean) => {
    up = connected;
    wake();
  };

  /** Resolves once `done()` holds (checked now and at each wake-up) or after `ms`; rejects when `signal` aborts. */
  const until = (done: () => boolean, ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        waiting.delete(check);
        signal.removeEventListener('abort', onAbort);
        settle();
      };
      const check = () => {
        if (done()) finish(resolve);
      };
      const onAbort = () => finish(() => reject(signal.reason));
      const timer = ms === Infinity ? undefined : setTimeout(() => finish(resolve), ms);
      waiting.add(check);
      signal.addEventListener('abort', onAbort, { once: true });
      check();
    });

  const heard = (event: LiveEvent) => {
    if (event.event === 'claim.decided') {
      decisions.set(event.data.claim_id, event.data);
      if (decisions.size > DECISIONS_KEPT) decisions.delete(decisions.keys().next().value as number);
      wake();
    }
    options.onEvent(event);
  };

  /** One connection, until it ends, fails or falls silent. Returns the error it failed with, if any. */
  async function connect(client: TaskclaimClient, signal: AbortSignal): Promise<{ error?: unknown; openedAt?: number }> {
    const connection = new AbortController();
    const abort = () => connection.abort();
    signal.addEventListener('abort', abort, { once: true });
    let silence: ReturnType<typeof setTimeout> | undefined;
    const alive = (ms = SILENCE_MS) => {
      clearTimeout(silence);
      silence = setTimeout(abort, ms);
    };
    let openedAt: number | undefined;
    try {
      alive(CONNECT_MS);
      const events = client.subscribe({
        signal: connection.signal,
        onOpen: () => {
          openedAt = Date.now();
          alive();
          if (signal.aborted) return;
          openings++;
          setUp(true);
          options.onOpen();
        },
        onComment: () => alive(),
      });
      for await (const event of events) {
        alive();
        heard(event);
      }
      return { openedAt };
    } catch (error) {
      return { error, openedAt };
    } finally {
      clearTimeout(silence);
      signal.removeEventListener('abort', abort);
      // A stopped session's connection ends after stop(): it must not speak for the next session's.
      if (!signal.aborted) {
        setUp(false);
        options.onDown();
      }
    }
  }

  async function run(client: TaskclaimClient, signal: AbortSignal): Promise<void> {
    for (let failures = 0; !signal.aborted; ) {
      const { error, openedAt } = await connect(client, signal);
      if (signal.aborted) return;
      if (error instanceof TaskclaimApiError && (error.status === 401 || error.status === 403)) return options.onRefused(error);
      if (openedAt !== undefined && Date.now() - openedAt >= HEALTHY_MS) failures = 0;
      // 404 or 500 (an older API, a proxy that refuses streams): the page works without the stream, so keep trying, slowly.
      const delayMs = retryFor(error, failures, 1000)?.delayMs ?? backoff(failures, 1000);
      failures++;
      await sleep(delayMs, signal).catch(() => undefined);
    }
  }

  return {
    start(client) {
      if (session) return;
      session = new AbortController();
      void run(client, session.signal);
    },
    stop() {
      session?.abort();
      session = undefined;
      decisions.clear();
      setUp(false);
    },
    connection: () => (up ? openings : undefined),
    async decision(claimId, ms, signal) {
      await until(() => decisions.has(claimId) || !up, ms, signal);
      return decisions.get(claimId);
    },
    whenConnected: (signal) => until(() => up, Infinity, signal),
  };
}
