/**
 * SPEC.md §4, request bodies: malformed JSON or a body that is not an object is 400 validation_error with
 * its errors; claim bodies are limited to 16 KiB and admin bodies to 1 MiB (413); a body that is not
 * application/json, or in a charset or Content-Encoding the API does not read, is 415.
 */
import { claimPath, expectProblem, expectValidation, expectNo5xx, onContractWorld, type ContractWorld } from '../support/http-contract';
import { ADMIN_TOKEN } from '../support/test-env';

let { env, call, d1, d2, operatorA, task1, seen } = {} as ContractWorld;
onContractWorld((world) => ({ env, call, d1, d2, operatorA, task1, seen } = world));

/** A claim of task 1 by operator A with this raw body and these headers. */
const postClaim = (rawBody: string, headers: Record<string, string> = {}) => call('POST', claimPath(task1.id), { token: operatorA.token, rawBody, headers });
const JSON_TYPE = { 'content-type': 'application/json' };
/** `count` tasks of one work order, each with 2,000 characters of work content (about 2 KiB each). */
const wideTasks = (count: number, firstId: number, orderNumber: string, departmentId: number) =>
  Array.from({ length: count }, (_, index) => ({
    id: firstId + index,
    work_order: { id: firstId, order_number: orderNumber },
    work_content: 'w'.repeat(2000),
    status: 'pending',
    assigned_department_id: departmentId,
  }));

describe('400 validation_error for a malformed body', () => {
  test('malformed JSON body → 400 validation_error', async () => {
    expectProblem(
      await postClaim('{"notes": ', JSON_TYPE),
      400,
      'validation_error',
    );
  });

  test('a JSON array body → 400', async () => {
    expectValidation(await call('POST', claimPath(task1.id), { token: operatorA.token, body: [] }), 'body');
    expectValidation(await call('POST', claimPath(task1.id), { token: operatorA.token, body: [{ notes: 'x' }] }), 'body');
  });

  test('a JSON string body → 400 validation_error', async () => {
    expectProblem(await call('POST', claimPath(task1.id), { token: operatorA.token, body: 'just a string' }), 400, 'validation_error');
  });

  test('a JSON null / number body → 400 validation_error', async () => {
    for (const rawBody of ['null', '42', 'true']) {
      expectProblem(
        await postClaim(rawBody, JSON_TYPE),
        400,
        'validation_error',
      );
    }
  });

  // §4: "Errors are RFC 9457 ... (validation errors add `errors: [{path, message}]`)" and "Malformed JSON → 400".
  test('a malformed JSON body → 400 validation_error that carries errors: [{path, message}]', async () => {
    expectValidation(await postClaim('{"notes": ', JSON_TYPE), 'body');
    expectValidation(await postClaim('"just a string"', JSON_TYPE), 'body');
  });

  // JSON is UTF-8 (RFC 8259): a Latin-1 'é' (byte 0xE9) would otherwise be stored as U+FFFD.
  test('a JSON body whose bytes are not UTF-8 → 400 validation_error, and no claim is stored', async () => {
    const before = await env.db('claim_requests').count({ n: '*' }).first();
    const latin1 = Uint8Array.from([...Buffer.from('{"notes":"caf'), 0xe9, ...Buffer.from('"}')]) as unknown as string;
    const response = await postClaim(latin1, JSON_TYPE);
    expectValidation(response, 'body');
    expect(response.body.detail).toBe('The body is not valid JSON: its bytes are not UTF-8.');
    expect(await env.db('claim_requests').count({ n: '*' }).first()).toEqual(before);
    expect((await postClaim('{"notes":"café"}', { 'content-type': 'application/json; charset=utf-8' })).status).not.toBe(400);
  });

  // §4: "Malformed JSON → 400"; §6: no 500. body-parser's zlib/brotli errors reach the problem handler unmapped.
  test.each(['gzip', 'deflate', 'br'])('a body labelled Content-Encoding: %s that is not compressed → 400, never 500', async (encoding) => {
    const response = await postClaim('{"notes":"x"}', { ...JSON_TYPE, 'content-encoding': encoding });
    expectProblem(response, 400, 'validation_error');
  });
});

describe('413 payload_too_large', () => {
  test('claim body over 16 KiB → 413', async () => {
    const response = await call('POST', claimPath(task1.id), { token: operatorA.token, body: { notes: 'a'.repeat(20_000) } });
    expectProblem(response, 413, 'payload_too_large');
  });

  test('admin body over 1 MiB on PUT /api/admin/tasks → 413', async () => {
    const tasks = wideTasks(600, 500_000, 'WO-BIG', d1.id);
    expect(JSON.stringify(tasks).length).toBeGreaterThan(1024 * 1024);
    expectProblem(await call('PUT', '/api/admin/tasks', { token: ADMIN_TOKEN, body: tasks }), 413, 'payload_too_large');
    // Nothing of it was stored.
    expectProblem(await call('GET', '/api/workorder-tasks/500000/', { token: ADMIN_TOKEN }), 404, 'task_not_found');
  });

  test('an admin body of ~100 KiB is accepted', async () => {
    const tasks = wideTasks(50, 600_000, 'WO-MID', d2.id);
    expect(JSON.stringify(tasks).length).toBeGreaterThan(100 * 1024);
    const response = await call('PUT', '/api/admin/tasks', { token: ADMIN_TOKEN, body: tasks });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ count: 50 });
  });
});

describe('415 unsupported_media_type', () => {
  test('claim with content-type text/plain and a body → 415', async () => {
    expectProblem(
      await postClaim('{"notes":"x"}', { 'content-type': 'text/plain' }),
      415,
      'unsupported_media_type',
    );
  });

  test('claim with application/x-www-form-urlencoded → 415', async () => {
    expectProblem(
      await postClaim('notes=x', { 'content-type': 'application/x-www-form-urlencoded' }),
      415,
      'unsupported_media_type',
    );
  });

  test('claim with a body and no content-type at all → 415', async () => {
    // fetch labels a string body text/plain; bytes go out unlabelled (the helper passes rawBody to fetch as is).
    const rawBody = new TextEncoder().encode('{"notes":"x"}') as unknown as string;
    const response = await postClaim(rawBody);
    expectProblem(response, 415, 'unsupported_media_type');
  });

  test('an unsupported charset or Content-Encoding → 415', async () => {
    expectProblem(
      await postClaim('{}', { 'content-type': 'application/json; charset=latin1' }),
      415,
      'unsupported_media_type',
    );
    expectProblem(
      await postClaim('{}', { ...JSON_TYPE, 'content-encoding': 'bogus' }),
      415,
      'unsupported_media_type',
    );
  });

  test('admin PUT with text/plain → 415', async () => {
    expectProblem(
      await call('PUT', '/api/admin/departments/77', { token: ADMIN_TOKEN, rawBody: '{"name":"x"}', headers: { 'content-type': 'text/plain' } }),
      415,
      'unsupported_media_type',
    );
  });
});

// Runs after every test above (jest keeps declaration order).
test('no response of this file was a 5xx', () => {
  expectNo5xx(seen, 32);
});
