import type { Logger } from './logger';

/**
 * The one way a taskclaim process ends: SIGTERM or SIGINT runs `shutdown` once (stop accepting,
 * finish in-flight work, close pools) and exits 0; a failed start prints why and exits 1.
 */
export function runProcess(name: string, start: () => Promise<{ logger: Logger; shutdown: () => Promise<void> }>): void {
  start().then(
    ({ logger, shutdown }) => {
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info(`${name} stopping`, { signal });
        await shutdown();
        logger.info(`${name} stopped`);
        process.exit(0);
      };
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGINT', () => void stop('SIGINT'));
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
