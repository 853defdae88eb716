import { makeLogger, type Logger } from './logger';

/**
 * The one way a taskclaim process ends: SIGTERM or SIGINT runs `shutdown` once (stop accepting,
 * finish in-flight work, close pools) and exits 0 — also while it is still starting (waiting for
 * PostgreSQL or Redis), when there is nothing to finish yet; a failed start logs why (one JSON line,
 * like every other line of the process) and exits 1. `service` is the logger's, e.g. `claim-worker`.
 */
export function runProcess(service: string, start: () => Promise<{ logger: Logger; shutdown: () => Promise<void> }>): void {
  let started: { logger: Logger; shutdown: () => Promise<void> } | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const logger = started?.logger ?? makeLogger({ level: 'info', service });
    logger.info(`${service} stopping`, { signal, ...(started ? {} : { whileStarting: true }) });
    await started?.shutdown();
    logger.info(`${service} stopped`);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  start().then(
    (running) => {
      started = running;
    },
    (error: unknown) => {
      // The configuration may be what failed, so LOG_LEVEL is not known: error lines always show.
      makeLogger({ level: 'error', service }).error(`${service} could not start: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
