/**
 * The world and the assertions the HTTP-contract files (auth, request-bodies, routes-and-ids, pagination,
 * claims.validation, admin.api and others) share: the HTTP error contract of
 * SPEC.md §4, driven over real HTTP against the in-process API with real PostgreSQL and Redis. Each
 * file gets a world of its own (database, queue prefix, API, a worker), records every response, and
 * ends with `expectNo5xx`: no request of the file, however malformed, got a 5xx.
 */
import { makeFactories, type Factories } from './factories';
import type { Http, HttpResponse } from './http';
import { ADMIN_TOKEN, makeTestEnv, type TestEnv } from './test-env';

export const claimPath = (taskId: number | string) => `/api/workorder-tasks/${taskId}/claim/`;
export const claimable = '/api/workorder-tasks/claimable/';
/** Ids far above anything the factories make (they count up from 1000). */
export const MISSING_ID = 987_654_321;

type Operator = { id: number; username: string; token: string };

export interface ContractWorld {
  env: TestEnv;
  /** env.http, recording each response for expectNo5xx */
  call: Http;
  /** the admin-API factories, through `call`, so their responses are checked for 5xx too */
  factories: Factories;
  /** every response of the file */
  seen: { method: string; path: string; status: number }[];
  countClaims(): Promise<number>;
  // Two departments, operators A and B in D1, C in D2, an integration token of D1, a task of D1.
  d1: { id: number; name: string };
  d2: { id: number; name: string };
  operatorA: Operator;
  operatorB: Operator;
  operatorC: Operator;
  integration: { id: number; token: string; webhook_secret?: string };
  task1: { id: number; workOrderId: number };
}

/** Call from beforeAll; close `world.env` in afterAll. */
/** Builds this file's contract world before its tests, hands it to `use`, and closes it after them. */
export function onContractWorld(use: (world: ContractWorld) => void): void {
  let world: ContractWorld | undefined;
  beforeAll(async () => {
    world = await makeContractWorld();
    use(world);
  });
  afterAll(() => world?.env.close());
}

async function makeContractWorld(): Promise<ContractWorld> {
  // A file sends up to a few hundred requests with the same tokens: keep them clear of the per-token rate limit.
  const env = await makeTestEnv({ RATE_LIMIT_PER_MINUTE: '100000' });
  const seen: ContractWorld['seen'] = [];
  const call: Http = async (method, path, options = {}) => {
    const response = await env.http(method, path, options);
    seen.push({ method, path, status: response.status });
    return response;
  };
  const factories = makeFactories(call, ADMIN_TOKEN);
  await env.startWorker();
  const d1 = await factories.newDepartment();
  const d2 = await factories.newDepartment();
  return {
    env,
    call,
    factories,
    seen,
    countClaims: async () => Number((await env.db('claim_requests').count({ n: '*' }))[0].n),
    d1,
    d2,
    operatorA: await factories.newOperator({ departmentIds: [d1.id] }),
    operatorB: await factories.newOperator({ departmentIds: [d1.id] }),
    operatorC: await factories.newOperator({ departmentIds: [d2.id] }),
    integration: await factories.newToken({ kind: 'integration', name: 'MES of D1', department_ids: [d1.id], callback_hosts: ['mes.example.com'] }),
    task1: await factories.newTask({ departmentId: d1.id }),
  };
}

/** The file's last test (jest keeps declaration order): none of its responses was a 5xx. */
export function expectNo5xx(seen: ContractWorld['seen'], atLeast: number): void {
  expect(seen.length).toBeGreaterThanOrEqual(atLeast);
  expect(seen.filter((entry) => entry.status >= 500)).toEqual([]);
}

/** Status, media type and the RFC 9457 members; the code is compared together with the status for a readable failure. */
export function expectProblem(response: HttpResponse, status: number, code: string): void {
  expect({ status: response.status, code: response.body?.code }).toEqual({ status, code });
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect(response.body).toEqual(
    expect.objectContaining({
      type: expect.any(String),
      title: expect.any(String),
      status,
      detail: expect.any(String),
      code,
    }),
  );
  expect(response.body.type.length).toBeGreaterThan(0);
  expect(response.body.title.length).toBeGreaterThan(0);
  expect(response.body.detail.length).toBeGreaterThan(0);
}

/** A 400 validation_error with its `errors: [{path, message}]`; `pathPrefix` names the part of the request at fault. */
export function expectValidation(response: HttpResponse, pathPrefix?: string): void {
  expectProblem(response, 400, 'validation_error');
  expect(Array.isArray(response.body.errors)).toBe(true);
  expect(response.body.errors.length).toBeGreaterThan(0);
  for (const error of response.body.errors) {
    expect(error).toEqual({ path: expect.any(String), message: expect.any(String) });
  }
  if (pathPrefix) {
    expect(response.body.errors.map((error: { path: string }) => error.path)).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`^${pathPrefix.replace(/\./g, '\\.')}`))]),
    );
  }
}
