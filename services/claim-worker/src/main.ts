import { ensureDatabase, makeDb, makeLogger, migrateLatest, parseConfig, runProcess } from '@taskclaim/shared';
import { startClaimWorkers } from './worker';

runProcess('claim worker', async () => {
  const config = parseConfig();
  const logger = makeLogger({ level: config.LOG_LEVEL, service: 'claim-worker' });
  await ensureDatabase(config.DATABASE_URL);
  const migrator = makeDb(config.DATABASE_URL, { max: 1 });
  await migrateLatest(migrator);
  await migrator.destroy();

  const claimWorkers = await startClaimWorkers(config, logger);
  // close() lets each partition worker finish the claim transaction it holds.
  return { logger, shutdown: () => claimWorkers.close() };
});
