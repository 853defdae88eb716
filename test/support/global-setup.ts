import { dropDatabase, ensureDatabase, makeDb, migrateLatest } from '@taskclaim/shared';
import { TEMPLATE_DATABASE, databaseUrl } from './databases';

/** Migrates a template database once per run; each test file clones it (CREATE DATABASE ... TEMPLATE). */
export default async function globalSetup(): Promise<void> {
  const url = databaseUrl(TEMPLATE_DATABASE);
  await dropDatabase(url);
  await ensureDatabase(url);
  const db = makeDb(url, { max: 1 });
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
}
