/** PostgreSQL: the pool, the migrations and one repository per aggregate. Imports the domain and the runtime, never the queues. */
export { DatabaseTimeoutError, type Db, dropDatabase, ensureDatabase, makeDb, migrateLatest, postgresAt, prepareDatabase, prepareDatabaseWhenReachable } from './database';
export * as claimsRepo from './repositories/claims.repository';
export * as tasksRepo from './repositories/tasks.repository';
export * as operatorsRepo from './repositories/operators.repository';
export * as webhooksRepo from './repositories/webhooks.repository';
export type { ClaimRow } from './repositories/claims.repository';
export type { TaskView } from './repositories/tasks.repository';
export type { NotificationReason, NotificationRow } from './repositories/notifications.repository';
