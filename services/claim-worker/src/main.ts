import { makeLogger, parseConfig, prepareDatabase, runProcess } from '@taskclaim/shared';
import { startClaimWorkers } from './worker';

runProcess('claim worker', async () => {
  const config = parseConfig();
  const logger = makeLogger({ level: config.LOG_LEVEL, service: 'claim-worker' });
  await prepareDatabase(config.DATABASE_URL);

  const claimWorkers = await startClaimWorkers(config, logger);
  // close() lets each partition worker finish the claim transaction it holds.
  return { logger, shutdown: () => claimWorkers.close() };
});
