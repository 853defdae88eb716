import { randomBytes } from 'node:crypto';

export const BASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(name: string): string {
  const url = new URL(BASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export const uniqueName = (prefix: string): string => `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;

/**
 * The migrated template every test file clones. Global setup names one of this run's own unless
 * TEST_TEMPLATE_DATABASE is given, so two runs on one PostgreSQL never drop each other's template;
 * jest starts its workers after global setup, so they inherit the name.
 */
export function templateDatabase(): string {
  process.env.TEST_TEMPLATE_DATABASE ||= uniqueName('taskclaim_tpl');
  return process.env.TEST_TEMPLATE_DATABASE;
}
