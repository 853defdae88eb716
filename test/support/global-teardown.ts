import { dropDatabase } from '@taskclaim/shared/db';
import { databaseUrl, templateDatabase } from './databases';

/** The run leaves no database behind: each file drops its own clone, and this drops the template. */
export default async function globalTeardown(): Promise<void> {
  await dropDatabase(databaseUrl(templateDatabase()));
}
