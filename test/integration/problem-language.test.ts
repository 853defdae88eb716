/**
 * SPEC.md §4: a problem's `title` and `detail` follow Accept-Language (English or Simplified Chinese);
 * `type` and `code` never change. Every kind of error the API raises, asked for in both languages.
 */
import type { RequestOptions } from '../support/http';
import { claimPath, claimable, expectNo5xx, expectProblem, onContractWorld, MISSING_ID, type ContractWorld } from '../support/http-contract';
import { ADMIN_TOKEN } from '../support/test-env';

let { call, operatorA, operatorC, integration, task1, seen } = {} as ContractWorld;
onContractWorld((world) => ({ call, operatorA, operatorC, integration, task1, seen } = world));

const CHINESE = /[\u4e00-\u9fff]/;

type Case = [name: string, status: number, code: string, request: () => [method: string, path: string, options: RequestOptions]];

const cases: Case[] = [
  ['an unknown token', 401, 'unauthorized', () => ['GET', claimable, { token: 'tc_never-issued-0123456789abcdef' }]],
  ['no Authorization header', 401, 'unauthorized', () => ['GET', claimable, {}]],
  ['an admin endpoint with an operator token', 403, 'forbidden', () => ['GET', '/api/admin/tokens', { token: operatorA.token }]],
  ['an operator token acting for another operator', 403, 'forbidden', () => ['GET', `${claimable}?operator_id=${operatorC.id}`, { token: operatorA.token }]],
  ['a callback_url from an operator token', 403, 'forbidden', () => ['POST', claimPath(task1.id), { token: operatorA.token, body: { callback_url: 'https://mes.example.com/x' } }]],
  ['a claim for an operator outside the integration token', 403, 'forbidden', () => ['POST', claimPath(task1.id), { token: integration.token, body: { operator_id: operatorC.id } }]],
  ['an unknown route', 404, 'not_found', () => ['GET', '/api/nope', { token: operatorA.token }]],
  ['an unknown claim', 404, 'not_found', () => ['GET', `/api/claims/${MISSING_ID}`, { token: operatorA.token }]],
  ['an unknown task (read)', 404, 'task_not_found', () => ['GET', `/api/workorder-tasks/${MISSING_ID}/`, { token: operatorA.token }]],
  ['an unknown task (claim)', 404, 'task_not_found', () => ['POST', claimPath(MISSING_ID), { token: operatorA.token, body: {} }]],
  ['a path id that is not a number', 400, 'validation_error', () => ['POST', claimPath('abc'), { token: operatorA.token, body: {} }]],
  ['notes of the wrong type', 400, 'validation_error', () => ['POST', claimPath(task1.id), { token: operatorA.token, body: { notes: 5 } }]],
  ['a body that is not JSON', 400, 'validation_error', () => ['POST', claimPath(task1.id), { token: operatorA.token, rawBody: '{', headers: { 'content-type': 'application/json' } }]],
  ['a malformed Prefer: wait', 400, 'validation_error', () => ['POST', claimPath(task1.id), { token: operatorA.token, body: {}, headers: { prefer: 'wait=x' } }]],
  ['a malformed Idempotency-Key', 400, 'validation_error', () => ['POST', claimPath(task1.id), { token: operatorA.token, body: {}, headers: { 'idempotency-key': 'ü' } }]],
  ['an unknown operator_id from an admin token', 400, 'validation_error', () => ['GET', `${claimable}?operator_id=${MISSING_ID}`, { token: ADMIN_TOKEN }]],
  ['a body that is not JSON by its media type', 415, 'unsupported_media_type', () => ['POST', claimPath(task1.id), { token: operatorA.token, rawBody: 'x', headers: { 'content-type': 'text/plain' } }]],
  ['a body over the limit', 413, 'payload_too_large', () => ['POST', claimPath(task1.id), { token: operatorA.token, body: { notes: 'x'.repeat(2_000_000) } }]],
];

async function inBothLanguages(request: Case[3]) {
  const [method, path, options] = request();
  const english = await call(method, path, options);
  const chinese = await call(method, path, { ...options, headers: { ...options.headers, 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.5' } });
  return { english, chinese };
}

test.each(cases)('%s: detail and title in Chinese when asked, in English otherwise; status, type and code the same', async (_name, status, code, request) => {
  const { english, chinese } = await inBothLanguages(request);
  expectProblem(english, status, code);
  expectProblem(chinese, status, code);
  expect(english.body.detail).not.toMatch(CHINESE);
  expect(chinese.body.detail).toMatch(CHINESE);
  expect(chinese.body.title).toMatch(CHINESE);
  expect(chinese.body.type).toBe(english.body.type);
});

test('a reused Idempotency-Key is told in Chinese too', async () => {
  const headers = { 'idempotency-key': `problem-language-${Date.now()}` };
  await call('POST', claimPath(task1.id), { token: operatorA.token, body: { notes: 'first' }, headers });
  const { english, chinese } = await inBothLanguages(() => ['POST', claimPath(task1.id), { token: operatorA.token, body: { notes: 'second' }, headers }]);
  expectProblem(english, 422, 'idempotency_key_reused');
  expectProblem(chinese, 422, 'idempotency_key_reused');
  expect(chinese.body.detail).toMatch(CHINESE);
  expect(english.body.detail).not.toMatch(CHINESE);
});

test('no response of this file was a 5xx', () => {
  expectNo5xx(seen, cases.length * 2);
});
