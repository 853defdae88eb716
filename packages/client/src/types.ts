import type { components } from './schema';

/** Resource types of the API, from the generated OpenAPI types (themselves generated from the zod contracts). */
type Schemas = components['schemas'];

export type Claim = Schemas['Claim'];
export type ClaimStatus = Claim['status'];
export type Task = Schemas['Task'];
export type OperatorSummary = Schemas['OperatorSummary'];
export type ClaimablePage = Schemas['ClaimablePage'];
export type MyTasks = Schemas['MyTasks'];
export type Notification = Schemas['Notification'];
export type NotificationPage = Schemas['NotificationPage'];
export type NotificationsMarkedRead = Schemas['NotificationsMarkedRead'];
/** Who a token acts as (GET /api/me). */
export type Me = Schemas['Me'];
export type WebhookDeliveries = Schemas['WebhookDeliveries'];
export type ClaimHistoryPage = Schemas['ClaimHistoryPage'];
/** The answer of `releaseMine()`: one release request per pending task. */
export type ReleaseMineResult = Schemas['ReleaseMineResult'];
/** Why a task was released (`task.released` events): by its operator, its lease ran out, or a supervisor reassigned it. */
export type ReleaseReason = Schemas['TaskReleasedEvent']['reason'];
/** One event of `subscribe()` (GET /api/events): `task.claimed`, `task.released`, `task.started` or `claim.decided`, with its id and typed data. */
export type LiveEvent = Schemas['LiveEvent'];
export type Problem = Schemas['Problem'];
export type ClaimRejection = Schemas['ClaimRejection'];
/** SPEC §3: why a claim was rejected. */
export type RejectionCode = ClaimRejection['code'];

export type Department = Schemas['Department'];
export type DepartmentUpsert = Schemas['DepartmentUpsert'];
export type Operator = Schemas['Operator'];
export type OperatorUpsert = Schemas['OperatorUpsert'];
export type TaskUpsert = Schemas['TaskUpsert'];
export type BulkTaskUpsert = Schemas['BulkTaskUpsert'];
export type BulkTaskResult = Schemas['BulkTaskResult'];
export type TokenCreate = Schemas['TokenCreate'];
export type TokenCreated = Schemas['TokenCreated'];
