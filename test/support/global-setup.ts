import { dropDatabase, prepareDatabase } from '@taskclaim/shared';
import { TEMPLATE_DATABASE, databaseUrl } from './databases';

/** Migrates a template database once per run; each test file clones it (CREATE DATABASE ... TEMPLATE). */
export default async function globalSetup(): Promise<void> {
  const url = databaseUrl(TEMPLATE_DATABASE);
  await dropDatabase(url);
  await prepareDatabase(url);
}
