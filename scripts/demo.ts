/**
 * `docker compose --profile demo up`'s one-shot job: migrate, seed the demo on an empty database and
 * print its tokens (as `npm start` does), or say that the database already holds data.
 */
import { makeDb, prepareDatabase } from '@taskclaim/shared/db';
import { parseConfig } from '@taskclaim/shared/runtime';
import { printDemo, printRestart } from './banner';
import { isEmptyDatabase, seedDemo } from './demo-seed';

async function main(): Promise<void> {
  const config = parseConfig();
  await prepareDatabase(config.DATABASE_URL);
  const db = makeDb(config.DATABASE_URL, { max: 1 });
  try {
    if (await isEmptyDatabase(db)) printDemo(await seedDemo(db, { createAdminToken: !config.ADMIN_TOKEN }), config.PORT);
    else printRestart(config.PORT);
  } finally {
    await db.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
