import { isAbort, jitter, retryFor, type Retry } from './backoff';

export interface RefresherOptions {
  /** between two refreshes that went well (jittered ±20 %) */
  intervalMs: number;
  /** the first back-off step after a 429, 503 or lost connection; it doubles up to 5 minutes */
  backoffMs: number;
  load(signal: AbortSignal): Promise<void>;
  /** a retry was scheduled (`undefined`: the last refresh went well) */
  onRetry(retry: Retry | undefined): void;
  /** an error that waiting will not fix (e.g. a revoked token) */
  onError(error: unknown): void;
  /** a refresh is due now or running (`true`), or none is (`false`): for `aria-busy` */
  onBusy(busy: boolean): void;
}

export interface Refresher {
  start(): void;
  /** refresh soon; `manual` (the user asked) also cuts a back-off short */
  now(manual?: boolean): void;
  stop(): void;
}

/**
 * Refreshes on a gentle, jittered interval, one request set at a time: never while the tab is hidden
 * (a refresh that comes due then waits until it is shown), and further apart after each 429, 503 or
 * lost connection, never sooner than `Retry-After`.
 */
export function makeRefresher(options: RefresherOptions): Refresher {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: AbortController | undefined;
  let again = false;
  let failures = 0;
  let stopped = true;
  let dueWhileHidden = false;

  const schedule = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(tick, ms);
  };

  async function tick(): Promise<void> {
    timer = undefined;
    if (stopped) return;
    if (document.visibilityState === 'hidden') {
      dueWhileHidden = true;
      options.onBusy(false);
      return;
    }
    if (inFlight) {
      again = true;
      return;
    }
    options.onBusy(true);
    const controller = new AbortController();
    inFlight = controller;
    let next = jitter(options.intervalMs);
    try {
      await options.load(controller.signal);
      failures = 0;
      options.onRetry(undefined);
    } catch (error) {
      if (controller.signal.aborted || isAbort(error)) return;
      const retry = retryFor(error, failures, options.backoffMs);
      if (retry) {
        failures++;
        next = retry.delayMs;
        options.onRetry(retry);
      } else {
        options.onError(error);
      }
    } finally {
      if (inFlight === controller) inFlight = undefined;
    }
    if (stopped) return;
    if (again && failures === 0) {
      again = false;
      next = 0;
    }
    again = false;
    schedule(next);
    if (next > 0) options.onBusy(false);
  }

  const onVisibility = () => {
    if (document.visibilityState === 'visible' && dueWhileHidden && !stopped) {
      dueWhileHidden = false;
      schedule(0);
    }
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      failures = 0;
      document.addEventListener('visibilitychange', onVisibility);
      schedule(0);
    },
    now(manual = false) {
      if (stopped || (failures > 0 && !manual)) return;
      // Busy at once, in the same task as whatever asked: nothing can see the page in between.
      options.onBusy(true);
      if (inFlight) again = true;
      else schedule(0);
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      inFlight?.abort();
      inFlight = undefined;
      again = false;
      options.onBusy(false);
      document.removeEventListener('visibilitychange', onVisibility);
    },
  };
}
