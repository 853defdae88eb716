/**
 * SPEC.md §4, paginated lists (claimable): page_size ≤ 100 and page ≥ 1, anything else 400 naming the
 * query parameter; next and previous are relative links.
 */
import { claimable, expectValidation, expectNo5xx, onContractWorld, type ContractWorld } from '../support/http-contract';

let { call, operatorA, seen } = {} as ContractWorld;
onContractWorld((world) => ({ call, operatorA, seen } = world));

describe('pagination of the claimable list', () => {
  test('page_size=101 on claimable → 400', async () => {
    expectValidation(await call('GET', `${claimable}?page_size=101`, { token: operatorA.token }), 'query.page_size');
  });

  test('page=0 on claimable → 400', async () => {
    expectValidation(await call('GET', `${claimable}?page=0`, { token: operatorA.token }), 'query.page');
  });

  test('other malformed pagination on claimable → 400', async () => {
    for (const query of ['page=abc', 'page=-1', 'page_size=0', 'page_size=1.5', 'page=1&page=2']) {
      expectValidation(await call('GET', `${claimable}?${query}`, { token: operatorA.token }), 'query');
    }
  });

  test('next and previous are relative links (path and query), so no Host header reaches them', async () => {
    const response = await call('GET', `${claimable}?page=2&page_size=1`, { token: operatorA.token });
    expect(response.status).toBe(200);
    expect(response.body.previous).toBe(`${claimable}?page=1&page_size=1`);
    expect(response.body.next === null || response.body.next === `${claimable}?page=3&page_size=1`).toBe(true);
  });

  test('page_size=100 and page=1 are fine', async () => {
    const response = await call('GET', `${claimable}?page=1&page_size=100`, { token: operatorA.token });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ page: 1, page_size: 100, results: expect.any(Array) });
  });
});

// Runs after every test above (jest keeps declaration order).
test('no response of this file was a 5xx', () => {
  expectNo5xx(seen, 19);
});
