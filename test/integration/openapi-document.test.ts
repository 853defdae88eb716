import { validate } from '@readme/openapi-parser';
import { makeResponseChecker } from '../support/openapi-conformance';
import { ADMIN_TOKEN, makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
beforeAll(async () => {
  env = await makeTestEnv();
});
afterAll(() => env.close());

/** Every endpoint of SPEC §4. */
const SPEC_ENDPOINTS = [
  'post /api/workorder-tasks/{id}/claim/',
  'post /api/workorder-tasks/{id}/release/',
  'post /api/workorder-tasks/claim-next/',
  'post /api/workorder-tasks/{id}/start/',
  'post /api/workorder-tasks/{id}/reassign/',
  'post /api/workorder-tasks/release-mine/',
  'get /api/workorder-tasks/{id}/claims/',
  'get /api/events',
  'get /api/claims/{claim_id}',
  'get /api/claims/{claim_id}/deliveries',
  'get /api/workorder-tasks/claimable/',
  'get /api/workorder-tasks/mine/',
  'get /api/workorder-tasks/{id}/',
  'get /api/notifications/',
  'post /api/notifications/read',
  // beyond SPEC §4, which gives an operator token no way to learn its own operator: the console names it
  'get /api/me',
  'put /api/admin/departments/{id}',
  'put /api/admin/operators/{id}',
  'put /api/admin/tasks/{id}',
  'put /api/admin/tasks',
  'delete /api/admin/tasks/{id}',
  'post /api/admin/tokens',
  'delete /api/admin/tokens/{id}',
  'get /',
  'get /healthz',
  'get /readyz',
  'get /openapi.json',
  'get /docs',
  'get /docs/',
];

type Operation = {
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; schema: Record<string, unknown> }[];
  responses: Record<string, { content?: Record<string, unknown>; headers?: Record<string, unknown> }>;
};

async function servedDocument() {
  const response = await env.http('GET', '/openapi.json');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('application/json');
  return response.body;
}

const operationsOf = (document: { paths: Record<string, Record<string, Operation>> }) =>
  Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ key: `${method} ${path}`, operation })));

test('GET /openapi.json needs no token and is a valid OpenAPI 3.1 document', async () => {
  const document = await servedDocument();
  expect(document.openapi).toBe('3.1.0');
  // validate() dereferences what it is given: hand it a copy.
  const result = await validate(structuredClone(document));
  expect(result).toEqual(expect.objectContaining({ valid: true }));
  expect(result.warnings).toEqual([]);
});

test('the validator is not a rubber stamp: a broken document fails', async () => {
  const document = await servedDocument();
  document.paths['/healthz'].get.responses = 'not an object';
  delete document.info;
  const result = await validate(document);
  expect(result.valid).toBe(false);
});

test('the document describes every endpoint of SPEC §4 (and GET /api/me), and only those', async () => {
  const document = await servedDocument();
  expect(operationsOf(document).map(({ key }) => key).sort()).toEqual([...SPEC_ENDPOINTS].sort());
});

test('/api operations need the bearer token and answer problems as application/problem+json; operations endpoints need none', async () => {
  const document = await servedDocument();
  expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  for (const { key, operation } of operationsOf(document)) {
    if (key.includes(' /api/')) {
      expect({ key, security: operation.security }).toEqual({ key, security: [{ bearerAuth: [] }] });
      for (const status of ['401', '429', '503']) {
        expect({ key, status, content: Object.keys(operation.responses[status]?.content ?? {}) }).toEqual({
          key,
          status,
          content: ['application/problem+json'],
        });
      }
    } else {
      expect({ key, security: operation.security }).toEqual({ key, security: [] });
    }
  }
});

test('every documented operation is served, and answers a bare request with a documented status and body', async () => {
  const document = await servedDocument();
  const check = makeResponseChecker(document);
  for (const { key } of operationsOf(document)) {
    if (key.startsWith('get /docs')) continue; // checked below
    if (key === 'get /') continue; // a redirect to the console: operations.test.ts
    if (key === 'get /api/events') continue; // a stream never ends: checked below
    const [method, template] = key.split(' ');
    // Ids that do not exist, and no body: each answer is a documented outcome (404, 400, ...).
    const path = template.replace(/\{[^}]+\}/g, '987654');
    const response = await env.http(method.toUpperCase(), path, { token: ADMIN_TOKEN });
    expect({ key, detail: response.body?.detail }).not.toEqual({ key, detail: expect.stringMatching(/^No route for/) });
    check({ method, url: env.baseUrl + path, status: response.status, contentType: response.headers.get('content-type'), body: response.body });
  }
});

test('the claim endpoint documents its headers, outcomes and error statuses', async () => {
  const document = await servedDocument();
  const claim: Operation = document.paths['/api/workorder-tasks/{id}/claim/'].post;
  expect(claim.parameters!.map((parameter) => `${parameter.in}:${parameter.name}`)).toEqual(
    expect.arrayContaining(['path:id', 'header:Idempotency-Key', 'header:Prefer', 'header:Accept-Language']),
  );
  expect(claim.parameters!.find((parameter) => parameter.name === 'id')!.schema).toMatchObject({ type: 'integer', minimum: 1 });
  expect(Object.keys(claim.responses).sort()).toEqual(['200', '202', '400', '401', '403', '404', '413', '415', '422', '429', '503']);
  expect(Object.keys(claim.responses['202'].headers!)).toEqual(expect.arrayContaining(['Location', 'Retry-After']));
  expect(document.components.schemas.ClaimRejection.properties.code.enum).toEqual(expect.arrayContaining(['already_claimed', 'capacity_reached']));
  // A nullable reference must admit null (zod-to-openapi would otherwise write an allOf that cannot).
  expect(document.components.schemas.Task.properties.assigned_operator).toEqual({
    anyOf: [{ $ref: '#/components/schemas/OperatorSummary' }, { type: 'null' }],
  });
});

test('GET /api/events is documented as text/event-stream of LiveEvent, and answers so', async () => {
  const document = await servedDocument();
  const events: Operation = document.paths['/api/events'].get;
  expect(Object.keys(events.responses['200'].content!)).toEqual(['text/event-stream']);
  expect(document.components.schemas.LiveEvent).toBeDefined();
  const controller = new AbortController();
  const response = await fetch(`${env.baseUrl}/api/events`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: controller.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  controller.abort();
});

test('GET /docs serves Swagger UI for this document, at /docs/', async () => {
  const redirect = await fetch(`${env.baseUrl}/docs`, { redirect: 'manual' });
  expect(redirect.status).toBe(301);
  expect(redirect.headers.get('location')).toBe('/docs/');
  const page = await env.http('GET', '/docs');
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toContain('text/html');
  expect(page.body).toContain('swagger-ui');
  const init = await env.http('GET', '/docs/swagger-ui-init.js');
  expect(init.status).toBe(200);
  expect(init.body).toContain('"openapi": "3.1.0"');
  expect(init.body).toContain('/api/workorder-tasks/{id}/claim/');
  expect((await env.http('POST', '/docs/')).status).toBe(404);
  expect((await env.http('GET', '/docs/no-such-asset.js')).status).toBe(404);
});
