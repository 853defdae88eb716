import { request } from 'node:http';
import fc from 'fast-check';
import { ADMIN_TOKEN, eventually, makeTestEnv, type TestEnv } from '../support/test-env';

/**
 * Property: no request, however malformed, gets a 5xx, and a rejected request changes nothing.
 * Random methods × every route × random ids, bodies (JSON of any shape, broken JSON, bytes),
 * content types, Host headers and duplicated or odd headers, sent raw over node:http.
 */
/**
 * A property's length is its runs times the machine's speed, and nothing in it is timed: the two long
 * properties get room for their runs on two loaded cores instead of jest's default minute.
 */
const PROPERTY_TIMEOUT_MS = 300_000;

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
  fc.constantFrom('', ' ', '0', '-1', '1.5', '1e3', '9007199254740992', '99999999999999999999', '2147483648', '4294967296', 'null', '%ZZ', '..', '%00', '😀', 'NaN'),
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
  // issue 21: deep pages (refused past MAX_LIST_DEPTH inside a list, empty past its end) and a task's history
  (i: string) => `/api/workorder-tasks/${i}/claims/?page=${i}&page_size=100`,
  () => '/api/notifications/?page=999999999&page_size=100',
  () => '/api/workorder-tasks/claimable/?page=101&page_size=100',
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
}, PROPERTY_TIMEOUT_MS);

/** Text PostgreSQL cannot store: a lone UTF-16 surrogate (it has no UTF-8 form) or U+0000, amid ordinary text. */
function illFormedText(): fc.Arbitrary<string> {
  const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));
  // fc.string() is ASCII, so the surrogate never pairs with a neighbour
  return fc
    .tuple(fc.string({ maxLength: 20 }), fc.oneof(loneSurrogate, fc.constant('\u0000')), fc.string({ maxLength: 20 }))
    .map(([before, bad, after]) => before + bad + after);
}

interface StringFieldRequest {
  method: string;
  path: string;
  token: string;
  /** a valid body, but for the field under test */
  body: unknown;
  /** the field under test, as the problem's errors name it */
  field: string;
}

/** A copy of `body` with `text` appended to the string at `field` (`body.work_order.order_number`, `body.0.status`). */
function spoilField(body: unknown, field: string, text: string): unknown {
  const copy = structuredClone(body) as Record<string, unknown>;
  const keys = field.split('.').slice(1);
  let parent = copy;
  for (const key of keys.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
  const last = keys[keys.length - 1];
  parent[last] = `${parent[last] as string}${text}`;
  return copy;
}

/** Every string field of every request body, each in a request that is otherwise valid. */
function stringFieldRequests(fixture: { departmentId: number; operatorId: number; callbackAdminToken: string }): fc.Arbitrary<StringFieldRequest> {
  const each = (request: Omit<StringFieldRequest, 'field'>, fields: string[]) => fc.constantFrom(...fields).map((field) => ({ ...request, field }));
  const task = { work_order: { id: 990_001, order_number: 'WO-990001' }, work_content: 'Inspect', status: 'pending', assigned_department_id: null };
  const claimPath = `/api/workorder-tasks/${taskId}/claim/`;
  return fc.oneof(
    each({ method: 'POST', path: claimPath, token: operatorToken, body: { notes: 'ok' } }, ['body.notes']),
    each(
      { method: 'POST', path: claimPath, token: fixture.callbackAdminToken, body: { operator_id: fixture.operatorId, callback_url: 'http://hooks.example/claims' } },
      ['body.callback_url'],
    ),
    each({ method: 'PUT', path: '/api/admin/departments/990001', token: ADMIN_TOKEN, body: { name: 'Paint shop' } }, ['body.name']),
    each(
      { method: 'PUT', path: '/api/admin/operators/990002', token: ADMIN_TOKEN, body: { username: 'newcomer', first_name: 'New', last_name: 'Comer', department_ids: [] } },
      ['body.username', 'body.first_name', 'body.last_name'],
    ),
    each({ method: 'PUT', path: '/api/admin/tasks/990003', token: ADMIN_TOKEN, body: task }, ['body.work_order.order_number', 'body.work_content', 'body.status']),
    each({ method: 'PUT', path: '/api/admin/tasks', token: ADMIN_TOKEN, body: [{ id: 990_004, ...task }] }, [
      'body.0.work_order.order_number',
      'body.0.work_content',
      'body.0.status',
    ]),
    each(
      {
        method: 'POST',
        path: '/api/admin/tokens',
        token: ADMIN_TOKEN,
        body: { kind: 'integration', name: 'MES', department_ids: [fixture.departmentId], callback_hosts: ['mes.example'] },
      },
      ['body.kind', 'body.name', 'body.callback_hosts.0'],
    ),
  );
}

test('a lone surrogate or U+0000 in any string field → 400 validation_error naming that field, and nothing changes', async () => {
  const department = await env.factories.newDepartment();
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const callbackAdmin = await env.factories.newToken({ kind: 'admin', name: 'admin with callbacks', callback_hosts: ['hooks.example'] });
  const fixture = { departmentId: department.id, operatorId: operator.id, callbackAdminToken: callbackAdmin.token };
  await fc.assert(
    fc.asyncProperty(stringFieldRequests(fixture), illFormedText(), async (request, text) => {
      const before = await snapshot();
      const response = await env.http(request.method, request.path, { token: request.token, body: spoilField(request.body, request.field, text) });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body.code).toBe('validation_error');
      expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(request.field);
      expect(await snapshot()).toBe(before);
    }),
    { numRuns: 200 },
  );
});

test.each(['/api/workorder-tasks/claimable/?page=', '/api/workorder-tasks/claimable/?page_size=', '/api/workorder-tasks/mine/?operator_id=', '/api/notifications/?page='].flatMap(
  (path) => ['%00', '%ED%A0%80'].map((spoiler) => [path, spoiler]),
))('GET %s1%s (U+0000, or a surrogate\'s bytes, in a query value) → 400 validation_error naming it', async (path, spoiler) => {
  const response = await env.http('GET', `${path}1${spoiler}`, { token: operatorToken });
  expect(response.status).toBe(400);
  expect(response.body.code).toBe('validation_error');
  expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(`query.${/[?&]([a-z_]+)=$/.exec(path)![1]}`);
});

test.each([
  ['DELETE', '/api/admin/tokens/'],
  ['GET', '/api/claims/'],
  ['GET', '/api/workorder-tasks/'],
  ['DELETE', '/api/admin/tasks/'],
])('%s %s{id past the 32-bit range} → 404, as for any id that does not exist (issue 21)', async (method, path) => {
  for (const id of ['2147483648', '4294967296', '9007199254740991']) {
    const suffix = path === '/api/workorder-tasks/' ? '/' : '';
    const response = await env.http(method, `${path}${id}${suffix}`, { token: ADMIN_TOKEN });
    expect({ id, status: response.status }).toEqual({ id, status: 404 });
  }
});

/** A claim request that is fine on its own, of a task prepared so that it gets one kind of answer. */
interface GoodClaim {
  good: true;
  task: 'claimable' | 'other_department' | 'draft' | 'missing' | 'mine' | 'taken';
  token: 'operator' | 'admin';
  prefer: 'wait=10' | 'respond-async';
  idempotent: boolean;
}
/** A claim request PostgreSQL refuses: ill-formed text (validation must catch it), or a row the test's CHECK constraint refuses (it passes validation). */
interface BadClaim {
  good: false;
  field: 'notes' | 'callback_url' | 'poisoned_notes';
  text: string;
  prefer: 'wait=10' | 'respond-async';
}

function goodClaim(): fc.Arbitrary<GoodClaim> {
  return fc.record({
    good: fc.constant(true as const),
    task: fc.constantFrom('claimable', 'other_department', 'draft', 'missing', 'mine', 'taken'),
    token: fc.constantFrom('operator', 'admin'),
    prefer: fc.constantFrom('wait=10', 'respond-async'),
    idempotent: fc.boolean(),
  });
}

function badClaim(): fc.Arbitrary<BadClaim> {
  return fc.record({
    good: fc.constant(false as const),
    field: fc.constantFrom('notes', 'callback_url', 'poisoned_notes'),
    text: illFormedText(),
    prefer: fc.constantFrom('wait=10', 'respond-async'),
  });
}

/** Good and bad claims, 2 to 24, in random order (sent at once, so the API stores them in shared batches). */
function claimMix(): fc.Arbitrary<(GoodClaim | BadClaim)[]> {
  return fc
    .tuple(fc.array(goodClaim(), { minLength: 1, maxLength: 12 }), fc.array(badClaim(), { minLength: 1, maxLength: 12 }))
    .chain(([goods, bads]) => fc.shuffledSubarray([...goods, ...bads], { minLength: goods.length + bads.length }));
}

/** What a client learns from a claim request: the status, the problem's code, and the claim's outcome (for a 202, once decided). */
interface ClaimAnswer {
  status: number;
  code?: string;
  outcome?: { status: string; code: string | null; already_claimed: boolean };
  errors?: { path: string }[];
}

const POISON = 'poison';

test('concurrent good and bad claims: each good one gets the answer it gets alone, each bad one 400 validation_error', async () => {
  const d1 = await env.factories.newDepartment();
  const d2 = await env.factories.newDepartment();
  // a limit no run reaches, so claims of one operator in one run do not decide each other's answers
  const operators = await Promise.all([1, 2, 3].map(() => env.factories.newOperator({ departmentIds: [d1.id], maxActiveTasks: 100_000 })));
  const other = await env.factories.newOperator({ departmentIds: [d1.id] });
  // the bad claims' task: its own, since the first test may have deleted the file's task
  const badTarget = await env.factories.newTask({ departmentId: d1.id });
  const callbackAdmin = await env.factories.newToken({ kind: 'admin', name: 'admin with callbacks', callback_hosts: ['hooks.example'] });

  /** Two tasks of a kind per good claim: one claimed alone, one amid the mix. */
  const prepare = async (claims: (GoodClaim | BadClaim)[]) => {
    const tasks: Record<string, unknown>[] = [];
    const targets = claims.map((claim, index) => {
      const operator = operators[index % operators.length];
      if (!claim.good) return { operator, alone: 0, mixed: badTarget.id };
      const kind = claim.task;
      const pair = [env.factories.nextId(), env.factories.nextId()];
      if (kind !== 'missing') {
        for (const id of pair) {
          tasks.push({
            id,
            work_order: { id, order_number: `WO-${id}` },
            work_content: `Task ${id}`,
            status: kind === 'draft' ? 'draft' : 'pending',
            assigned_department_id: kind === 'other_department' ? d2.id : d1.id,
            assigned_operator_id: kind === 'mine' ? operator.id : kind === 'taken' ? other.id : null,
          });
        }
      }
      return { operator, alone: pair[0], mixed: pair[1] };
    });
    if (tasks.length) expect((await env.http('PUT', '/api/admin/tasks', { token: ADMIN_TOKEN, body: tasks })).status).toBe(200);
    return targets;
  };

  const send = async (claim: GoodClaim | BadClaim, target: { operator: { id: number; token: string }; alone: number; mixed: number }, taskOf: 'alone' | 'mixed') => {
    const headers: Record<string, string> = { prefer: claim.prefer };
    let token = target.operator.token;
    let body: Record<string, unknown> = {};
    if (claim.good) {
      if (claim.idempotent) headers['idempotency-key'] = `key-${taskOf}-${target[taskOf]}`;
      if (claim.token === 'admin') [token, body] = [ADMIN_TOKEN, { operator_id: target.operator.id }];
    } else if (claim.field === 'callback_url') {
      [token, body] = [callbackAdmin.token, { operator_id: target.operator.id, callback_url: `http://hooks.example/${claim.text}` }];
    } else {
      body = { notes: claim.field === 'notes' ? claim.text : `${POISON} ${claim.text.replace(/[\0\ud800-\udfff]/g, '')}` };
    }
    const response = await env.http('POST', `/api/workorder-tasks/${target[taskOf]}/claim/`, { token, body, headers });
    return answerOf(response, token);
  };

  const answerOf = async (response: Awaited<ReturnType<TestEnv['http']>>, token: string): Promise<ClaimAnswer> => {
    const outcome = (claim: NonNullable<ClaimAnswer['outcome']>) => ({ status: claim.status, code: claim.code, already_claimed: claim.already_claimed });
    if (response.status === 202) {
      const decided = await env.http('GET', response.headers.get('location') as string, { token, headers: { prefer: 'wait=10' } });
      return { status: 202, outcome: outcome(decided.body) };
    }
    if (response.status === 200) return { status: 200, outcome: outcome(response.body) };
    return { status: response.status, code: response.body.code, ...(response.body.claim ? { outcome: outcome(response.body.claim) } : {}), errors: response.body.errors };
  };

  // Passes validation, fails in PostgreSQL: a stand-in for any row-level error the batch meets.
  await env.db.raw(`ALTER TABLE claim_requests ADD CONSTRAINT hostile_input_poison CHECK (notes NOT LIKE '${POISON}%')`);
  try {
    await fc.assert(
      fc.asyncProperty(claimMix(), async (claims) => {
        // each good claim alone, one at a time, on one twin task; then every claim at once, on the other twins
        const targets = await prepare(claims);
        const alone: (ClaimAnswer | undefined)[] = [];
        for (const [index, claim] of claims.entries()) alone.push(claim.good ? await send(claim, targets[index], 'alone') : undefined);
        const mixed = await Promise.all(claims.map((claim, index) => send(claim, targets[index], 'mixed')));
        for (const [index, claim] of claims.entries()) {
          if (claim.good) {
            expect(mixed[index]).toEqual(alone[index]);
          } else {
            expect(mixed[index]).toMatchObject({ status: 400, code: 'validation_error' });
            if (claim.field !== 'poisoned_notes') expect(mixed[index].errors?.map((error) => error.path)).toContain(`body.${claim.field}`);
          }
        }
      }),
      { numRuns: 25 },
    );
  } finally {
    await env.db.raw('ALTER TABLE claim_requests DROP CONSTRAINT hostile_input_poison');
  }
  const [{ n }] = await env.db('claim_requests').where('notes', 'like', `${POISON}%`).count({ n: '*' });
  expect(Number(n)).toBe(0);
}, PROPERTY_TIMEOUT_MS);
