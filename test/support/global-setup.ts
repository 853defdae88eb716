import { dropDatabase, prepareDatabase } from '@taskclaim/shared/db';
import { databaseUrl, templateDatabase } from './databases';

/** Migrates this run's template database once; each test file clones it (CREATE DATABASE ... TEMPLATE). */
export default async function globalSetup(): Promise<void> {
  const url = databaseUrl(templateDatabase());
  await dropDatabase(url);
  await prepareDatabase(url);
}
