import { makeLogger, parseConfig, runProcess } from '@taskclaim/shared/runtime';
import { prepareDatabase } from '@taskclaim/shared/db';
import * as tokensRepo from './db/tokens.repository';
import { makeApp } from './app';
import { makeApiDeps } from './deps';
import { makeHttpServer } from './http/server';

runProcess('api', async () => {
  const config = parseConfig();
  const logger = makeLogger({ level: config.LOG_LEVEL, service: 'api' });
  await prepareDatabase(config.DATABASE_URL);
  const deps = await makeApiDeps(config, logger);
  const bootstrap = await tokensRepo.syncBootstrapAdminToken(deps.db, config.ADMIN_TOKEN);
  if (bootstrap.created || bootstrap.revoked) logger.info('bootstrap admin token follows ADMIN_TOKEN', { ...bootstrap, adminTokenSet: Boolean(config.ADMIN_TOKEN) });
  await deps.queues.enforceSerialization().catch((error: Error) => logger.warn('could not set global concurrency yet', { error: error.message }));

  const server = makeHttpServer(makeApp(deps), { maxConnections: config.MAX_CONNECTIONS }).listen(config.PORT, () => {
    logger.info('api listening', { port: config.PORT, dispatch: config.CLAIM_DISPATCH, partitions: config.CLAIM_PARTITIONS });
  });
  server.keepAliveTimeout = 65_000;

  return {
    logger,
    async shutdown() {
      // Stop accepting; waiting requests are answered with the claim as it stands (202), event streams
      // end (their clients reconnect elsewhere and list again), then pools close.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      deps.events.close();
      await deps.waiters.close();
      server.closeIdleConnections();
      await closed;
      await deps.close();
    },
  };
});
