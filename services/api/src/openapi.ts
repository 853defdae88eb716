import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import {
  MAX_WAIT_SECONDS,
  actingOperatorQuery,
  bulkTaskResult,
  bulkTaskUpsert,
  claimRejection,
  claimHistoryPage,
  claimNextRequestBody,
  reassignRequestBody,
  releaseMineResult,
  claimRequestBody,
  claimResource,
  claimWebhookEvent,
  claimablePage,
  idempotencyKeyHeader,
  listQuery,
  myTasks,
  operatorSummary,
  pageQuery,
  pathId,
  preferHeader,
  problemSchema,
  taskResource,
  taskUpsert,
  webhookDeliveryList,
} from '@taskclaim/shared/contracts';
import { departmentResource, departmentUpsert, operatorResource, operatorUpsert, tokenCreate, tokenCreated } from './contracts/admin';
import { liveEvent } from './contracts/events';
import { meResource } from './contracts/me';
import { markNotificationsReadBody, notificationPage, notificationResource, notificationsMarkedRead } from './contracts/notifications';
import { health, readiness } from './contracts/operations';
import { REJECTION_CODES } from '@taskclaim/shared/domain';
import { z } from 'zod';
import { version } from '../package.json';

/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the zod contracts the routes validate
 * with (packages/shared/src/contracts): the schemas named with `.meta({ id })` there become
 * `components/schemas`. Served at /openapi.json; packages/client's types are generated from it.
 */
export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

/** Contracts of the webhook feature, named here for the document. */
const webhookDeliveries = webhookDeliveryList.meta({ id: 'WebhookDeliveries' });
const webhookEvent = claimWebhookEvent.meta({ id: 'ClaimWebhookEvent' });

/** Named schemas, registered before the paths so each component is generated from its own definition. */
const COMPONENTS: z.ZodType[] = [
  problemSchema,
  operatorSummary,
  taskResource,
  claimResource,
  claimRejection,
  claimRequestBody,
  claimNextRequestBody,
  claimHistoryPage,
  claimablePage,
  myTasks,
  liveEvent,
  notificationResource,
  notificationPage,
  markNotificationsReadBody,
  notificationsMarkedRead,
  meResource,
  departmentUpsert,
  departmentResource,
  operatorUpsert,
  operatorResource,
  taskUpsert,
  bulkTaskUpsert,
  bulkTaskResult,
  tokenCreate,
  tokenCreated,
  health,
  readiness,
  webhookDeliveries,
  webhookEvent,
];

const BEARER = 'bearerAuth';

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: '`validation_error`: a bad path id, query, header or body (`errors` lists each field).',
  401: '`unauthorized`: no bearer token, or an unknown or revoked one.',
  403: '`forbidden`: the token may not do this (deactivated operator, not an admin, outside its departments).',
  404: '`not_found` or `task_not_found`.',
  413: '`payload_too_large`: the body is over the limit of the endpoint.',
  415: '`unsupported_media_type`: the body is not `application/json`.',
  422: '`idempotency_key_reused`: this Idempotency-Key was used by this token for a different request.',
  429: '`rate_limited`: too many requests for this token; retry after `Retry-After` seconds.',
  503: '`service_unavailable`: PostgreSQL or Redis is unreachable; retry after `Retry-After` seconds.',
};

const retryAfter = z.object({ 'Retry-After': z.string().meta({ description: 'seconds to wait before retrying' }) });

function problem(status: number, description = PROBLEM_DESCRIPTIONS[status]): ResponseConfig {
  return {
    description,
    content: { 'application/problem+json': { schema: problemSchema } },
    ...(status === 429 || status === 503 ? { headers: retryAfter } : {}),
  };
}

const problems = (...statuses: number[]): Record<number, ResponseConfig> =>
  Object.fromEntries(statuses.map((status) => [status, problem(status)]));

const json = (schema: z.ZodType, description: string, headers?: ResponseConfig['headers']): ResponseConfig => ({
  description,
  content: { 'application/json': { schema } },
  ...(headers ? { headers } : {}),
});

const jsonBody = (schema: z.ZodType, required = true) => ({ required, content: { 'application/json': { schema } } });

/** Every /api request: bearer token, per-token rate limit, and PostgreSQL/Redis behind it. */
const API_PROBLEMS = [401, 429, 503];

const acceptLanguage = z.object({
  'Accept-Language': z.string().optional().meta({ description: 'messages are in English, or in Simplified Chinese when `zh` is preferred' }),
});
const idParams = (name: string) => z.object({ [name]: pathId });
const preferenceApplied = z.object({
  'Preference-Applied': z.string().optional().meta({ description: '`wait=N` when the request waited and was answered with the outcome' }),
});

/** Rule codes of an explicit claim (the rest belong to releases, claim-next, starts and lease expiries). */
const CLAIM_CODES = REJECTION_CODES.filter((code) => !['not_assignee', 'task_not_releasable', 'no_claimable_task', 'task_not_startable', 'lease_not_expired'].includes(code));
/** A reassign's rules are the claim rules for its target, without already_claimed. */
const REASSIGN_CODES = CLAIM_CODES.filter((code) => code !== 'already_claimed');
const codeList = (codes: readonly string[]) => codes.map((code) => `\`${code}\``).join(', ');

/**
 * A claim request (claim, release, claim-next): the same headers, answers and error statuses; a
 * claim-next request has no path id, hence no 404.
 */
function claimRequestRoute(route: { path: string; operationId: string; summary: string; description: string; body?: z.ZodType }): RouteConfig {
  const ofTask = route.path.includes('{id}');
  return {
    method: 'post',
    path: route.path,
    operationId: route.operationId,
    tags: ['claims'],
    summary: route.summary,
    description:
      `${route.description} With \`Prefer: wait=N\` (N ≤ ${MAX_WAIT_SECONDS}) the request is held until it is decided and answered with the outcome. ` +
      '`callback_url` (integration and admin tokens) receives a signed webhook once it is decided.',
    security: [{ [BEARER]: [] }],
    request: {
      ...(ofTask ? { params: idParams('id') } : {}),
      headers: z.object({ 'Idempotency-Key': idempotencyKeyHeader.optional(), Prefer: preferHeader.optional() }).extend(acceptLanguage.shape),
      body: jsonBody(route.body ?? claimRequestBody, false),
    },
    responses: {
      200: json(claimResource, 'Succeeded in time (`Prefer: wait`), or answered terminally (inline dispatch).', preferenceApplied),
      202: json(
        claimResource,
        'Accepted and queued: poll or long-poll the claim at `Location`.',
        z.object({ Location: z.string().meta({ description: '/api/claims/{claim_id}' }) }).extend(retryAfter.shape),
      ),
      400: {
        description: 'Rejected by a rule (`ClaimRejection`), or the request is not valid (`validation_error`, `callback_host_not_allowed`).',
        content: { 'application/problem+json': { schema: z.union([claimRejection, problemSchema]) } },
        headers: preferenceApplied,
      },
      ...problems(...API_PROBLEMS, 403, 413, 415, 422),
      ...(ofTask ? { 404: problem(404, '`task_not_found`: no task with this id at submission.') } : {}),
      503: problem(
        503,
        '`claim_failed`: the request could not be applied after retries (with `claim_id` and `claim`); it is final, so submit again with a new `Idempotency-Key`. Or `service_unavailable`: PostgreSQL or Redis is unreachable; retry after `Retry-After` seconds.',
      ),
    },
  };
}

/** The /api operations of SPEC §4. */
function apiRoutes(): RouteConfig[] {
  const security = [{ [BEARER]: [] }];
  return [
    claimRequestRoute({
      path: '/api/workorder-tasks/{id}/claim/',
      operationId: 'claimTask',
      summary: 'Claim a task',
      description:
        'Stores a claim request and queues it; claims of one task are decided one at a time, first come first served. ' +
        'Integration and admin tokens give `operator_id`; an integration token may claim only tasks of its departments (else 403 `forbidden`, whoever the operator). ' +
        `Rule rejections (400) carry a \`code\`: ${codeList(CLAIM_CODES)}.`,
    }),
    claimRequestRoute({
      path: '/api/workorder-tasks/{id}/start/',
      operationId: 'startTask',
      summary: 'Start work on a claimed task',
      description:
        'Stores a claim request with `action: "start"`, decided in the task\'s partition in acceptance order with its other requests. ' +
        'On success the task is in_progress and its claim lease ends; a task already in_progress succeeds with `already_claimed: true` and nothing changes. ' +
        'Rule rejections (400) carry a `code`: `operator_inactive`, `task_not_found`, `not_assignee`, `task_not_startable`.',
    }),
    claimRequestRoute({
      path: '/api/workorder-tasks/{id}/reassign/',
      operationId: 'reassignTask',
      summary: 'Move a task to another operator (supervisors)',
      description:
        'Admin tokens, and integration tokens whose departments include the task\'s; an operator token is 403 `forbidden`. `operator_id` (required) is the target; ' +
        'an operator that does not exist is 400 `validation_error`. Stores a claim request with `action: "reassign"`, decided in the task\'s partition in acceptance order. ' +
        'On success the target holds the task (status unchanged; `claimed_at` is now; a pending task\'s lease restarts), the previous assignee gets a `task_released` ' +
        'and the target a `task_assigned` notification, and the claim names `previous_operator_id`. Already the target\'s: succeeded, `already_claimed: true`, nothing changes. ' +
        `Rule rejections (400) carry a \`code\`, for the target: ${codeList(REASSIGN_CODES)}.`,
      body: reassignRequestBody,
    }),
    {
      method: 'post',
      path: '/api/workorder-tasks/release-mine/',
      operationId: 'releaseMine',
      tags: ['claims'],
      summary: 'End a shift: give back every pending task',
      description:
        'One release request (`action: "release"`) per task assigned to the acting operator that is still pending (not started), each decided in its task\'s partition ' +
        'in acceptance order with that task\'s other requests. Integration and admin tokens give `operator_id`; an integration token releases only tasks of its departments. ' +
        `With \`Prefer: wait=N\` (N ≤ ${MAX_WAIT_SECONDS}) the request is held until all are decided. A replay of its \`Idempotency-Key\` answers the same requests and releases nothing twice.`,
      security: [{ [BEARER]: [] }],
      request: {
        headers: z.object({ 'Idempotency-Key': idempotencyKeyHeader.optional(), Prefer: preferHeader.optional() }).extend(acceptLanguage.shape),
        body: jsonBody(claimRequestBody, false),
      },
      responses: {
        200: json(releaseMineResult, 'Every release decided (under `Prefer: wait`, or answered terminally by inline dispatch), or no pending task (`count: 0`).', preferenceApplied),
        202: json(releaseMineResult, 'Accepted: the releases as they stand; poll each at `/api/claims/{claim_id}`.'),
        ...problems(...API_PROBLEMS, 400, 403, 413, 415, 422),
      },
    },
    claimRequestRoute({
      path: '/api/workorder-tasks/{id}/release/',
      operationId: 'releaseTask',
      summary: 'Give a claimed task back',
      description:
        'Stores a claim request with `action: "release"`, queued to the task\'s partition and decided in acceptance order with the task\'s claims: ' +
        'a claim accepted after it sees the task free. On success the task is unassigned and the operator gets one `task_released` notification. ' +
        'Rule rejections (400) carry a `code`: `operator_inactive`, `task_not_found`, `not_assignee`, `task_not_releasable`.',
    }),
    claimRequestRoute({
      path: '/api/workorder-tasks/claim-next/',
      operationId: 'claimNext',
      summary: 'Have the worker pick a task',
      description:
        'Stores a claim request with `action: "claim_next"` and `task_id: null`; the worker gives the operator the first claimable task in dispatch order ' +
        '(priority descending, then due_at ascending with dated tasks first, then created_at, then id) of its departments whose required skills the operator has ' +
        '(only `department_id` if given; for an integration token only its departments) that no earlier queued claim is waiting for. ' +
        'Two claim-next requests never get the same task. A `department_id` not of the operator (or of the integration token) is 400 `validation_error`. ' +
        'Rule rejections (400) carry a `code`: `operator_inactive`, `capacity_reached`, `no_claimable_task`.',
      body: claimNextRequestBody,
    }),
    {
      method: 'get',
      path: '/api/claims/{claim_id}',
      operationId: 'getClaim',
      tags: ['claims'],
      summary: 'Read a claim',
      description:
        `\`Prefer: wait=N\` (N ≤ ${MAX_WAIT_SECONDS}) holds the request until the claim is decided or N seconds pass. ` +
        'Only its operator, the submitting token and admins see a claim; to anyone else it does not exist.',
      security,
      request: { params: idParams('claim_id'), headers: z.object({ Prefer: preferHeader.optional() }).extend(acceptLanguage.shape) },
      responses: {
        200: json(claimResource, 'The claim as it is now, in the language of this request.', preferenceApplied),
        ...problems(...API_PROBLEMS, 400, 403, 404),
      },
    },
    {
      method: 'get',
      path: '/api/claims/{claim_id}/deliveries',
      operationId: 'listClaimDeliveries',
      tags: ['claims'],
      summary: 'Webhook delivery attempts of a claim',
      security,
      request: { params: idParams('claim_id') },
      responses: {
        200: json(webhookDeliveries, 'Every attempt to deliver the webhook of this claim, oldest first.'),
        ...problems(...API_PROBLEMS, 400, 403, 404),
      },
    },
    {
      method: 'get',
      path: '/api/workorder-tasks/claimable/',
      operationId: 'getClaimableTasks',
      tags: ['tasks'],
      summary: 'Tasks the operator can claim',
      security,
      request: { query: listQuery },
      responses: { 200: json(claimablePage, 'One page of claimable tasks.'), ...problems(...API_PROBLEMS, 400, 403) },
    },
    {
      method: 'get',
      path: '/api/workorder-tasks/mine/',
      operationId: 'getMyTasks',
      tags: ['tasks'],
      summary: "The operator's active tasks",
      description: 'An integration token sees (and counts in `active_count`) only the tasks of its departments.',
      security,
      request: { query: actingOperatorQuery },
      responses: { 200: json(myTasks, 'Active tasks and the limit.'), ...problems(...API_PROBLEMS, 400, 403) },
    },
    {
      method: 'get',
      path: '/api/workorder-tasks/{id}/claims/',
      operationId: 'getTaskHistory',
      tags: ['tasks'],
      summary: "A task's requests (its history)",
      description:
        'Oldest first. Admin tokens and integration tokens of the task\'s department see all of them (outside its departments the task is 404 for an integration token); ' +
        'an operator token sees only its own.',
      security,
      request: { params: idParams('id'), query: pageQuery, headers: acceptLanguage },
      responses: {
        200: json(claimHistoryPage, 'One page of the task\'s requests, oldest first.'),
        ...problems(...API_PROBLEMS, 400, 403),
        404: problem(404, '`task_not_found`: no such task, or, for an integration token, a task outside its departments.'),
      },
    },
    {
      method: 'get',
      path: '/api/events',
      operationId: 'subscribeEvents',
      tags: ['events'],
      summary: 'Live events (Server-Sent Events)',
      description:
        'Held open. `event: task.claimed`, `event: task.released` (with its `reason`: `released`, `lease_expired` or `reassigned`) and `event: task.started` for tasks of the caller\'s departments (admin: all); `event: claim.decided` (the claim resource, English) ' +
        'for the caller\'s own requests (an operator token: its operator\'s; integration and admin tokens: those the token submitted). Each event has an `id`; ' +
        'a comment line comes at least every 25 s. Within one stream a task\'s events come in decision order. Events are not replayed after a reconnect: list again.',
      security,
      responses: {
        200: { description: 'A stream of events; each `data:` line is the JSON of one `LiveEvent`\'s `data`.', content: { 'text/event-stream': { schema: liveEvent } } },
        ...problems(...API_PROBLEMS, 403),
      },
    },
    {
      method: 'get',
      path: '/api/workorder-tasks/{id}/',
      operationId: 'getTask',
      tags: ['tasks'],
      summary: 'One task',
      security,
      request: { params: idParams('id') },
      responses: {
        200: json(taskResource, 'The task.'),
        ...problems(...API_PROBLEMS, 400, 403),
        404: problem(404, '`task_not_found`: no such task, or, for an integration token, a task outside its departments.'),
      },
    },
    {
      method: 'get',
      path: '/api/notifications/',
      operationId: 'getNotifications',
      tags: ['notifications'],
      summary: "The operator's notifications",
      description: 'An integration token sees only the notifications of tasks of its departments.',
      security,
      request: { query: listQuery, headers: acceptLanguage },
      responses: { 200: json(notificationPage, 'One page of notifications, newest first.'), ...problems(...API_PROBLEMS, 400, 403) },
    },
    {
      method: 'post',
      path: '/api/notifications/read',
      operationId: 'markNotificationsRead',
      tags: ['notifications'],
      summary: "Mark the operator's notifications read",
      description:
        'Marks the given notifications read, or all of them without `ids`; ids of other operators\' notifications are ignored. ' +
        'Integration and admin tokens name the operator with `operator_id`; an integration token marks only notifications of tasks of its departments.',
      security,
      request: { query: actingOperatorQuery, body: jsonBody(markNotificationsReadBody, false) },
      responses: { 200: json(notificationsMarkedRead, 'How many were marked read.'), ...problems(...API_PROBLEMS, 400, 403, 413, 415) },
    },
    {
      method: 'get',
      path: '/api/me',
      operationId: 'getMe',
      tags: ['tokens'],
      summary: 'Who the token acts as',
      description: 'The token\'s kind and name, and the operator of an operator token (a console names it at sign-in).',
      security,
      responses: { 200: json(meResource, 'The token and its operator.'), ...problems(...API_PROBLEMS, 403) },
    },
    ...adminRoutes(security),
  ];
}

/** Idempotent upserts for syncing from other systems: 201 when created, 200 when updated. Admin tokens only. */
function adminRoutes(security: RouteConfig['security']): RouteConfig[] {
  const admin = { tags: ['admin'], security };
  const writeProblems = problems(...API_PROBLEMS, 400, 403, 413, 415);
  const upsert = (path: string, operationId: string, summary: string, body: z.ZodType, resource: z.ZodType): RouteConfig => ({
    ...admin,
    method: 'put',
    path,
    operationId,
    summary,
    request: { params: idParams('id'), body: jsonBody(body) },
    responses: { 200: json(resource, 'Updated.'), 201: json(resource, 'Created.'), ...writeProblems },
  });
  return [
    upsert('/api/admin/departments/{id}', 'upsertDepartment', 'Create or update a department', departmentUpsert, departmentResource),
    upsert('/api/admin/operators/{id}', 'upsertOperator', 'Create or update an operator and their departments', operatorUpsert, operatorResource),
    upsert('/api/admin/tasks/{id}', 'upsertTask', 'Create or update a task and its work order', taskUpsert, taskResource),
    {
      ...admin,
      method: 'put',
      path: '/api/admin/tasks',
      operationId: 'upsertTasks',
      summary: 'Create or update up to 1000 tasks at once',
      request: { body: jsonBody(bulkTaskUpsert) },
      responses: { 200: json(bulkTaskResult, 'How many tasks were created and updated.'), ...writeProblems },
    },
    {
      ...admin,
      method: 'delete',
      path: '/api/admin/tasks/{id}',
      operationId: 'deleteTask',
      summary: 'Delete a task',
      request: { params: idParams('id') },
      responses: { 204: { description: 'Deleted.' }, ...problems(...API_PROBLEMS, 400, 403), 404: problem(404, '`task_not_found`.') },
    },
    {
      ...admin,
      method: 'post',
      path: '/api/admin/tokens',
      operationId: 'createToken',
      summary: 'Create an API token',
      request: { body: jsonBody(tokenCreate) },
      responses: { 201: json(tokenCreated, 'The token, shown this once; it is stored as a hash.'), ...writeProblems },
    },
    {
      ...admin,
      method: 'delete',
      path: '/api/admin/tokens/{id}',
      operationId: 'revokeToken',
      summary: 'Revoke an API token',
      request: { params: idParams('id') },
      responses: { 204: { description: 'Revoked.' }, ...problems(...API_PROBLEMS, 400, 403), 404: problem(404, '`not_found`: no such token.') },
    },
  ];
}

/** SPEC §4 operations endpoints: no token. */
function operationsRoutes(): RouteConfig[] {
  const operations = { tags: ['operations'], security: [] };
  return [
    {
      ...operations,
      method: 'get',
      path: '/',
      operationId: 'redirectToConsole',
      summary: 'The operator console, at /console/',
      responses: { 302: { description: 'Redirect to /console/.', headers: z.object({ Location: z.literal('/console/') }) } },
    },
    {
      ...operations,
      method: 'get',
      path: '/healthz',
      operationId: 'getHealth',
      summary: 'The process is up',
      responses: { 200: json(health, 'Up.') },
    },
    {
      ...operations,
      method: 'get',
      path: '/readyz',
      operationId: 'getReadiness',
      summary: 'PostgreSQL and Redis are reachable',
      responses: { 200: json(readiness, 'Ready.'), 503: problem(503, '`service_unavailable`: PostgreSQL or Redis is unreachable (`checks` says which).') },
    },
    {
      ...operations,
      method: 'get',
      path: '/openapi.json',
      operationId: 'getOpenApiDocument',
      summary: 'This document',
      responses: { 200: json(z.record(z.string(), z.unknown()), 'The OpenAPI 3.1 document.') },
    },
    {
      ...operations,
      method: 'get',
      path: '/docs',
      operationId: 'redirectToDocs',
      summary: 'Swagger UI for this document, at /docs/',
      responses: { 301: { description: 'Redirect to /docs/.', headers: z.object({ Location: z.literal('/docs/') }) } },
    },
    {
      ...operations,
      method: 'get',
      path: '/docs/',
      operationId: 'getDocs',
      summary: 'Swagger UI for this document',
      responses: { 200: { description: 'An HTML page.', content: { 'text/html': { schema: z.string() } } } },
    },
  ];
}

/** The webhook POSTed to a claim's `callback_url` once it is decided. */
function claimWebhook(): RouteConfig {
  return {
    method: 'post',
    path: 'claimDecided',
    operationId: 'claimDecided',
    summary: 'A claim with a callback_url was decided',
    description:
      'Signed per Standard Webhooks with the `webhook_secret` of the submitting token. Any 2xx ends delivery; anything else is retried ' +
      'with exponential backoff and the same `webhook-id`; 410 stops.',
    request: {
      headers: z.object({
        'webhook-id': z.string(),
        'webhook-timestamp': z.string().meta({ description: 'seconds since the Unix epoch' }),
        'webhook-signature': z.string().meta({ description: '`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`' }),
      }),
      // A reference, not the schema: the generator writes webhooks before components, and a nested
      // schema first met there would be generated out of order.
      body: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/ClaimWebhookEvent' } } } },
    },
    responses: { 200: { description: 'Any 2xx acknowledges the event.' } },
  };
}

/**
 * zod-to-openapi 9.1 writes a nullable named schema as `allOf: [{$ref}, {type: [..., "null"]}]`, which
 * no null satisfies (the $ref branch must hold too). Rewrite it as `anyOf: [{$ref}, {type: "null"}]`,
 * what `.nullable()` means (asteasolutions/zod-to-openapi#387).
 */
function fixNullableRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(fixNullableRefs);
  if (!node || typeof node !== 'object') return node;
  const { allOf, ...rest } = node as { allOf?: unknown[] };
  if (Array.isArray(allOf) && allOf.length === 2) {
    const [ref, nullable] = allOf as [Record<string, unknown>, Record<string, unknown>];
    const isRef = Object.keys(ref).length === 1 && typeof ref.$ref === 'string';
    const isNullType = Object.keys(nullable).length === 1 && Array.isArray(nullable.type) && nullable.type.includes('null');
    if (isRef && isNullType) return { ...rest, anyOf: [ref, { type: 'null' }] };
  }
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, fixNullableRefs(value)]));
}

export function makeOpenApiDocument(): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', BEARER, {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token (operator, integration or admin), created with POST /api/admin/tokens.',
  });
  for (const route of [...apiRoutes(), ...operationsRoutes()]) registry.registerPath(route);
  registry.registerWebhook(claimWebhook());

  const generator = new OpenApiGeneratorV31([...COMPONENTS.map((schema) => ({ type: 'schema' as const, schema })), ...registry.definitions], {
    sortComponents: 'alphabetically',
  });
  const document = generator.generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'taskclaim',
      version,
      description:
        'Shop-floor operators, and the systems that act for them, claim work-order tasks of their departments. ' +
        'Every /api request needs `Authorization: Bearer <token>`. Errors are RFC 9457 `application/problem+json` with a stable `code`.',
    },
    tags: [
      { name: 'claims', description: 'Claim a task and follow the claim to its outcome.' },
      { name: 'tasks', description: 'Claimable and assigned tasks.' },
      { name: 'notifications', description: 'What the operator was told.' },
      { name: 'tokens', description: 'Who a token acts as.' },
      { name: 'events', description: 'Claims and releases as they are decided (Server-Sent Events).' },
      { name: 'admin', description: 'Idempotent upserts for syncing from other systems (admin tokens).' },
      { name: 'operations', description: 'No token needed.' },
    ],
  });
  return fixNullableRefs(document) as OpenApiDocument;
}
