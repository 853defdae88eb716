import { ensureDatabase, loadConfig, makeLogger, migrateLatest, tokensRepo } from '@taskclaim/shared';
import type { Server } from 'node:http';
import { makeApp } from './app';
import { makeApiDeps } from './deps';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = makeLogger({ level: config.LOG_LEVEL, service: 'api' });
  await ensureDatabase(config.DATABASE_URL);
  const deps = await makeApiDeps(config, logger);
  await migrateLatest(deps.db);
  if (config.ADMIN_TOKEN) await tokensRepo.ensureBootstrapAdminToken(deps.db, config.ADMIN_TOKEN);
  await deps.queues.enforceSerialization().catch((error: Error) => logger.warn('could not set global concurrency yet', { error: error.message }));

  const server: Server = makeApp(deps).listen(config.PORT, () => {
    logger.info('api listening', { port: config.PORT, dispatch: config.CLAIM_DISPATCH, partitions: config.CLAIM_PARTITIONS });
  });
  server.keepAliveTimeout = 65_000;

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('api stopping', { signal });
    // Stop accepting; waiting requests are answered with the claim as it stands (202), then pools close.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await deps.waiters.close();
    server.closeIdleConnections();
    await closed;
    await deps.close();
    logger.info('api stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
