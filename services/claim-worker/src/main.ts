import { ensureDatabase, loadConfig, makeDb, makeLogger, migrateLatest } from '@taskclaim/shared';
import { startClaimWorkers } from './worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = makeLogger({ level: config.LOG_LEVEL, service: 'claim-worker' });
  await ensureDatabase(config.DATABASE_URL);
  const migrator = makeDb(config.DATABASE_URL, { max: 1 });
  await migrateLatest(migrator);
  await migrator.destroy();

  const claimWorkers = await startClaimWorkers(config, logger);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('claim worker draining', { signal });
    await claimWorkers.close();
    logger.info('claim worker stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
