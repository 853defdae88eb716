import { makeLogger, parseConfig, runProcess } from '@taskclaim/shared/runtime';
import { prepareDatabaseWhenReachable } from '@taskclaim/shared/db';
import { waitForRedis } from '@taskclaim/shared/queue';
import { startClaimWorkers } from './worker';

runProcess('claim-worker', async () => {
  const config = parseConfig();
  const logger = makeLogger({ level: config.LOG_LEVEL, service: 'claim-worker' });
  await Promise.all([prepareDatabaseWhenReachable(config.DATABASE_URL, logger), waitForRedis(config, logger)]);

  const claimWorkers = await startClaimWorkers(config, logger);
  // close() lets each partition worker finish the claim transaction it holds.
  return { logger, shutdown: () => claimWorkers.close() };
});
