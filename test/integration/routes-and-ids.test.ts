/**
 * SPEC.md §4, paths: an id that is not a positive integer ≤ 2^53−1 (malformed percent-encoding included)
 * is 400 validation_error; a well-formed id that does not exist is 404; an unknown route is 404 not_found.
 */
import { MISSING_ID, claimPath, expectProblem, expectValidation, expectNo5xx, onContractWorld, type ContractWorld } from '../support/http-contract';

let { call, operatorA, seen } = {} as ContractWorld;
onContractWorld((world) => ({ call, operatorA, seen } = world));

describe('400 validation_error for a malformed path id', () => {
  const badIds = ['abc', '0', '-1', '1.5', '12345678901234567890', '9007199254740992', '01', '1e3', '%20'];
  const idEndpoints: [string, (id: string) => string][] = [
    ['POST', (id) => claimPath(id)],
    ['GET', (id) => `/api/workorder-tasks/${id}/`],
    ['GET', (id) => `/api/claims/${id}`],
  ];
  const idCases = idEndpoints.flatMap(([method, path]) => badIds.map((id) => [method, path(id), id] as const));

  test.each(idCases)('%s %s (id %s) → 400', async (method, path) => {
    const response = await call(method, path, { token: operatorA.token, ...(method === 'POST' ? { body: {} } : {}) });
    expectValidation(response, 'path');
  });

  test('the largest id, 2^53 − 1, is well formed: → 404, not 400', async () => {
    expectProblem(await call('POST', claimPath('9007199254740991'), { token: operatorA.token, body: {} }), 404, 'task_not_found');
    expectProblem(await call('GET', '/api/workorder-tasks/9007199254740991/', { token: operatorA.token }), 404, 'task_not_found');
    expectProblem(await call('GET', '/api/claims/9007199254740991', { token: operatorA.token }), 404, 'not_found');
  });

  // §4: "a path id that is not a positive integer ≤ 2^53−1 → 400 validation_error"; §6: "No request, however malformed, gets a 500".
  test.each([
    ['POST', claimPath('%ZZ')],
    ['GET', '/api/workorder-tasks/%E0%A4%A/'],
    ['GET', '/api/claims/%ZZ'],
  ])('%s %s (malformed percent-encoding in the id) → 400 validation_error, not 500', async (method, path) => {
    expectProblem(await call(method, path, { token: operatorA.token, ...(method === 'POST' ? { body: {} } : {}) }), 400, 'validation_error');
  });
});

describe('404 not found', () => {
  test('unknown /api/ route with a valid token → 404 not_found', async () => {
    expectProblem(await call('GET', '/api/nope', { token: operatorA.token }), 404, 'not_found');
  });

  test('unknown route outside /api → 404 not_found', async () => {
    expectProblem(await call('GET', '/nope'), 404, 'not_found');
  });

  test('GET /api/workorder-tasks/{missing}/ → 404', async () => {
    expectProblem(await call('GET', `/api/workorder-tasks/${MISSING_ID}/`, { token: operatorA.token }), 404, 'task_not_found');
  });
});

// Runs after every test above (jest keeps declaration order).
test('no response of this file was a 5xx', () => {
  expectNo5xx(seen, 46);
});
