import type { Logger } from './logger';

/** How often a process that waits for its store at start-up says it is still waiting. */
const REPORT_EVERY_MS = 10_000;

export interface StoreAtStartUp {
  /** `postgres` or `redis`, as /readyz names the checks */
  store: 'postgres' | 'redis';
  /** host:port (no credentials) */
  address: string;
  /** what the reader should do about it */
  hint: string;
}

export interface StoreOutageReport {
  /** one failed attempt to reach the store: the first is logged at once, later ones every REPORT_EVERY_MS */
  failed(error: unknown): void;
  /** the store answered: logged only when a failure was */
  reachable(): void;
}

/** Node reports a refused connection to a name with several addresses (localhost) as an AggregateError with no message of its own. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message) return error.message;
  return error instanceof AggregateError ? error.errors.map(describe).join('; ') : error.name;
}

const STORE_NAMES = { postgres: 'PostgreSQL', redis: 'Redis' } as const;

/** The line that says a store is unreachable: which, where, why, and what to do. */
export function storeUnreachable(target: StoreAtStartUp, error: unknown, waiting: boolean): { message: string; meta: Record<string, unknown> } {
  return {
    message: `${STORE_NAMES[target.store]} is unreachable at ${target.address}${waiting ? '; waiting for it and retrying' : ''}. ${target.hint}`,
    meta: { store: target.store, address: target.address, error: describe(error) },
  };
}

/**
 * The log of a process waiting at start-up for PostgreSQL or Redis: one warn line naming the store,
 * its address, the error and what to do, then one line every 10 s while the attempts keep failing
 * (a store that is down for minutes leaves a few dozen lines, not one per retry).
 */
export function reportStoreOutage(logger: Logger, target: StoreAtStartUp): StoreOutageReport {
  const since = Date.now();
  let attempts = 0;
  let reportedAt: number | undefined;
  return {
    failed(error) {
      attempts++;
      const now = Date.now();
      if (reportedAt !== undefined && now - reportedAt < REPORT_EVERY_MS) return;
      reportedAt = now;
      const { message, meta } = storeUnreachable(target, error, true);
      logger.warn(message, { ...meta, attempts, waitedSeconds: Math.round((now - since) / 1000) });
    },
    reachable() {
      if (reportedAt === undefined) return;
      logger.info(`${STORE_NAMES[target.store]} is reachable at ${target.address}`, {
        store: target.store,
        address: target.address,
        attempts,
        waitedSeconds: Math.round((Date.now() - since) / 1000),
      });
    },
  };
}
