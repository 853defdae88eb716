import { makeLogger, type Logger } from './logger';

/**
 * The one way a taskclaim process ends: SIGTERM or SIGINT runs `shutdown` once (stop accepting,
 * finish in-flight work, close pools) and exits 0; a failed start logs why (one JSON line, like
 * every other line of the process) and exits 1. `service` is the logger's, e.g. `claim-worker`.
 */
export function runProcess(service: string, start: () => Promise<{ logger: Logger; shutdown: () => Promise<void> }>): void {
  start().then(
    ({ logger, shutdown }) => {
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info(`${service} stopping`, { signal });
        await shutdown();
        logger.info(`${service} stopped`);
        process.exit(0);
      };
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGINT', () => void stop('SIGINT'));
    },
    (error: unknown) => {
      // The configuration may be what failed, so LOG_LEVEL is not known: error lines always show.
      makeLogger({ level: 'error', service }).error(`${service} could not start: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
