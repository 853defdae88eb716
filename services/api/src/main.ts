import type { RequestListener, Server } from 'node:http';
import { closerOf, makeLogger, parseConfig, runProcess } from '@taskclaim/shared/runtime';
import { prepareDatabaseWhenReachable } from '@taskclaim/shared/db';
import { waitForRedis } from '@taskclaim/shared/queue';
import * as tokensRepo from './db/tokens.repository';
import { makeApp } from './app';
import { makeApiDeps } from './deps';
import { makeHttpServer } from './http/server';
import { makeStartingApp, type StoreChecks } from './http/starting-app';

runProcess('api', async () => {
  const config = parseConfig();
  const logger = makeLogger({ level: config.LOG_LEVEL, service: 'api' });

  // In the usual start the port opens with the app ready, so a client that waits for the port never meets
  // a 503. While PostgreSQL or Redis keeps the API waiting, the port opens at the first failed attempt and
  // answers 503 (and /readyz 503) until the app is ready (SPEC §1).
  const checks: StoreChecks = { postgres: 'unavailable', redis: 'unavailable' };
  let answer: RequestListener = makeStartingApp(checks, logger);
  const server = makeHttpServer((req, res) => answer(req, res), { maxConnections: config.MAX_CONNECTIONS });
  server.keepAliveTimeout = 65_000;
  const closeServer = closerOf(server);
  let listening: Promise<void> | undefined;
  const openPort = (): Promise<void> => {
    if (!listening) {
      listening = listen(server, config.PORT).then(() => {
        logger.info('api listening', { port: config.PORT, dispatch: config.CLAIM_DISPATCH, partitions: config.CLAIM_PARTITIONS });
      });
    }
    return listening;
  };
  // A port in use found while waiting is reported when the start awaits the port below.
  const openWhileWaiting = () => void openPort().catch(() => undefined);
  await Promise.all([
    prepareDatabaseWhenReachable(config.DATABASE_URL, logger, openWhileWaiting).then(() => (checks.postgres = 'ok')),
    waitForRedis(config, logger, openWhileWaiting).then(() => (checks.redis = 'ok')),
  ]);

  const deps = await makeApiDeps(config, logger);
  const bootstrap = await tokensRepo.syncBootstrapAdminToken(deps.db, config.ADMIN_TOKEN);
  if (bootstrap.created || bootstrap.revoked) logger.info('bootstrap admin token follows ADMIN_TOKEN', { ...bootstrap, adminTokenSet: Boolean(config.ADMIN_TOKEN) });
  await deps.queues.enforceSerialization().catch((error: Error) => logger.warn('could not set global concurrency yet', { error: error.message }));
  answer = makeApp(deps);
  await openPort();
  logger.info('api ready', { port: config.PORT });

  return {
    logger,
    async shutdown() {
      // Stop accepting; waiting requests are answered with the claim as it stands (202), event streams
      // end (their clients reconnect elsewhere and list again), kept-alive connections close, then pools close.
      const closed = closeServer();
      deps.events.close();
      await deps.waiters.close();
      await closed;
      await deps.close();
    },
  };
});

/** Resolves once the server listens; a port in use rejects (logged by runProcess) instead of crashing with a stack. */
function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
