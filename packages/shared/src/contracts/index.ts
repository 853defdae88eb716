/** The zod wire schemas the API, the SDK and OpenAPI share: import only the domain. */
export {
  actingOperatorQuery,
  dateTime,
  id,
  listQuery,
  pagedResponse,
  pageQuery,
  pathId,
  type Problem,
  problemSchema,
  skillSet,
  storable,
  text,
  unicodeMax,
} from './common';
export {
  bulkTaskResult,
  bulkTaskUpsert,
  claimablePage,
  type ClaimablePage,
  myTasks,
  type MyTasks,
  operatorSummary,
  taskResource,
  type TaskResource,
  taskUpsert,
} from './tasks';
export {
  claimHistoryPage,
  type ClaimHistoryPage,
  claimNextRequestBody,
  type ClaimNextRequestBody,
  claimRejection,
  type ClaimRejection,
  claimRequestBody,
  claimResource,
  type ClaimResource,
  idempotencyKeyHeader,
  MAX_WAIT_SECONDS,
  preferHeader,
  reassignRequestBody,
  releaseMineResult,
  type ReleaseMineResult,
} from './claims';
export {
  markNotificationsReadBody,
  type MarkNotificationsReadBody,
  notificationPage,
  notificationResource,
  type NotificationResource,
  notificationsMarkedRead,
} from './notifications';
export { departmentResource, departmentUpsert, operatorResource, operatorUpsert, tokenCreate, tokenCreated } from './admin';
export { health, readiness } from './operations';
export { claimWebhookEvent, type ClaimWebhookEvent, webhookDeliveryList, type WebhookDeliveryResource, type WebhookEventType } from './webhooks';
export {
  LIVE_EVENT_TYPES,
  liveEvent,
  type LiveEvent,
  type LiveEventType,
  RELEASE_REASONS,
  type ReleaseReason,
  taskClaimedEvent,
  type TaskClaimedEvent,
  taskReleasedEvent,
  type TaskReleasedEvent,
  taskStartedEvent,
  type TaskStartedEvent,
} from './events';
export { meResource, type MeResource } from './me';
