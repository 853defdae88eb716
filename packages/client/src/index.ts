export { createTaskclaimClient } from './client';
export type { ClaimTaskOptions, PageOptions, TaskclaimClient, TaskclaimClientOptions, WaitForClaimOptions } from './client';
export { TaskclaimApiError } from './errors/taskclaim-api-error';
export type { FieldError, TaskclaimApiErrorDetails } from './errors/taskclaim-api-error';
export { ClaimRejectedError } from './errors/claim-rejected-error';
export { ClaimWaitTimeoutError } from './errors/claim-wait-timeout-error';
export type * from './types';
export type { paths, components, operations } from './schema';
