import { request } from 'node:http';
import fc from 'fast-check';
import { ADMIN_TOKEN, eventually, makeTestEnv, type TestEnv } from '../support/test-env';

/**
 * Property: no request, however malformed, gets a 5xx, and a rejected request changes nothing.
 * Random methods × every route × random ids, bodies (JSON of any shape, broken JSON, bytes),
 * content types, Host headers and duplicated or odd headers, sent raw over node:http.
 */
let env: TestEnv;
let operatorToken: string;
let taskId: number;
beforeAll(async () => {
  env = await makeTestEnv({ RATE_LIMIT_PER_MINUTE: '1000000' });
  await env.startWorker();
  const department = await env.factories.newDepartment();
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  operatorToken = operator.token;
  taskId = (await env.factories.newTask({ departmentId: department.id })).id;
});
afterAll(() => env.close());

interface RawResponse {
  status: number;
  body: string;
}

function send(baseUrl: string, method: string, path: string, headers: [string, string][], body?: Buffer): Promise<RawResponse> {
  const url = new URL(baseUrl);
  // a name given twice is sent as two header lines
  const grouped: Record<string, string[]> = {};
  for (const [name, value] of headers) (grouped[name] ??= []).push(value);
  // node:http takes Host only as a single string
  const sent = Object.fromEntries(Object.entries(grouped).map(([name, values]) => [name, values.length === 1 ? values[0] : values]));
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method, path, headers: sent, timeout: 20_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

/** An accepted claim is decided by the worker afterwards: let that finish before the next request's snapshot. */
async function acceptedClaimsDecided(): Promise<void> {
  await eventually(async () => {
    const [{ n }] = await env.db('claim_requests').where({ status: 'queued' }).count({ n: '*' });
    return Number(n) === 0 ? true : undefined;
  }, 20_000, 'the accepted claims to be decided');
}

/** Everything a rejected request must leave as it was. */
async function snapshot(): Promise<string> {
  const { rows } = await env.db.raw(`SELECT
    (SELECT count(*) FROM claim_requests) AS claims,
    (SELECT count(*) FROM claim_requests WHERE status = 'queued') AS queued,
    (SELECT count(*) FROM notifications) AS notifications,
    (SELECT count(*) || ':' || coalesce(max(updated_at)::text, '') FROM work_order_tasks) AS tasks,
    (SELECT count(*) || ':' || coalesce(max(updated_at)::text, '') FROM operators) AS operators,
    (SELECT count(*) || ':' || coalesce(max(updated_at)::text, '') FROM departments) AS departments,
    (SELECT count(*) FROM operator_departments) AS memberships,
    (SELECT count(*) || ':' || count(revoked_at) FROM api_tokens) AS tokens`);
  return JSON.stringify(rows[0]);
}

const weirdString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('', ' ', '0', '-1', '1.5', '1e3', '9007199254740992', '99999999999999999999', 'null', '%ZZ', '..', '%00', '😀', 'NaN'),
);
const id = fc.oneof(fc.constant(() => String(taskId)), weirdString.map((s) => () => encodeURIComponent(s)), fc.bigInt().map((n) => () => String(n)));
const jsonBody = fc.oneof(
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.record(
    {
      notes: fc.oneof(fc.string({ maxLength: 600 }), fc.integer(), fc.constant(null)),
      operator_id: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(1e300)),
      callback_url: fc.oneof(fc.webUrl(), fc.string()),
      name: fc.string(),
      username: fc.string(),
      department_ids: fc.array(fc.oneof(fc.integer(), fc.string())),
      kind: fc.constantFrom('operator', 'integration', 'admin', 'root'),
      status: fc.constantFrom('pending', 'draft', 'done'),
      work_order: fc.anything(),
      extra: fc.anything(),
    },
    { requiredKeys: [] },
  ).map((value) => JSON.stringify(value)),
  fc.string().map((s) => `{"notes": ${s}`),
);
const body = fc.option(
  fc.oneof(jsonBody.map((s) => Buffer.from(s)), fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes))),
  { nil: undefined },
);
const route = fc.constantFrom(
  (i: string) => `/api/workorder-tasks/${i}/claim/`,
  (i: string) => `/api/claims/${i}`,
  (i: string) => `/api/claims/${i}/deliveries`,
  () => '/api/workorder-tasks/claimable/',
  (i: string) => `/api/workorder-tasks/claimable/?page=${i}&page_size=${i}&operator_id=${i}`,
  () => '/api/workorder-tasks/mine/',
  (i: string) => `/api/workorder-tasks/${i}/`,
  (i: string) => `/api/notifications/?page=${i}`,
  // a page past the first has a `previous` link, built for every answer whatever the Host header
  () => '/api/notifications/?page=2',
  () => '/api/workorder-tasks/claimable/?page=2&page_size=1',
  (i: string) => `/api/admin/departments/${i}`,
  (i: string) => `/api/admin/operators/${i}`,
  (i: string) => `/api/admin/tasks/${i}`,
  () => '/api/admin/tasks',
  () => '/api/admin/tokens',
  (i: string) => `/api/admin/tokens/${i}`,
  () => '/healthz',
  (i: string) => `/${i}`,
);
const headerValue = fc.oneof(weirdString.filter((s) => /^[\t\x20-\x7e]*$/.test(s)), fc.constantFrom('wait=5', 'wait=31', 'respond-async', 'wait=abc', 'zh-CN', 'application/json', 'text/plain'));
/** Host is the client's to send: malformed (`[`), other hosts, ports out of range, nothing at all. */
const hostHeader = fc.option(
  fc.oneof(headerValue, fc.constantFrom('[', '[::1', ']', 'a b', 'evil.example', 'evil.example:99999', 'x:abc', '%zz', '@', 'localhost:3000/path?q')),
  { nil: undefined },
);
const headers = fc.record({
  auth: fc.constantFrom('admin', 'operator', 'none', 'garbage'),
  contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', undefined),
  host: hostHeader,
  extra: fc.array(fc.tuple(fc.constantFrom('prefer', 'idempotency-key', 'accept-language', 'x-request-id', 'content-encoding'), headerValue), { maxLength: 4 }),
});

test('random and malformed requests to every endpoint: never a 5xx, and a rejected one changes nothing', async () => {
  const baseUrl = env.baseUrl;
  const seen = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'), route, id, body, headers, async (method, path, pathId, payload, h) => {
      const raw: [string, string][] = [];
      if (h.auth === 'admin') raw.push(['authorization', `Bearer ${ADMIN_TOKEN}`]);
      if (h.auth === 'operator') raw.push(['authorization', `Bearer ${operatorToken}`]);
      if (h.auth === 'garbage') raw.push(['authorization', 'Bearer \u00ff'.replace('\u00ff', 'x'.repeat(600))]);
      if (h.contentType && payload) raw.push(['content-type', h.contentType]);
      if (payload) raw.push(['content-length', String(payload.length)]);
      if (h.host !== undefined) raw.push(['host', h.host]);
      raw.push(...h.extra);
      const before = await snapshot();
      const response = await send(baseUrl, method, path(pathId()), raw, payload);
      seen.set(response.status, (seen.get(response.status) ?? 0) + 1);
      expect(response.status).toBeLessThan(500);
      if (response.status >= 400) expect(await snapshot()).toBe(before);
      else await acceptedClaimsDecided();
    }),
    { numRuns: 1500 },
  );
  // the runs reached the routes, not only the authentication gate
  expect([...seen.keys()].some((status) => status >= 200 && status < 300)).toBe(true);
  expect(seen.get(400) ?? 0).toBeGreaterThan(0);
});
