import { makeLogger, parseConfig, runProcess } from '@taskclaim/shared/runtime';
import { prepareDatabase } from '@taskclaim/shared/db';
import { startClaimWorkers } from './worker';

runProcess('claim worker', async () => {
  const config = parseConfig();
  const logger = makeLogger({ level: config.LOG_LEVEL, service: 'claim-worker' });
  await prepareDatabase(config.DATABASE_URL);

  const claimWorkers = await startClaimWorkers(config, logger);
  // close() lets each partition worker finish the claim transaction it holds.
  return { logger, shutdown: () => claimWorkers.close() };
});
