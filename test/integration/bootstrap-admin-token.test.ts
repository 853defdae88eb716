import { randomBytes } from 'node:crypto';
import { ADMIN_TOKEN, makeTestEnv, type TestEnv } from '../support/test-env';

/**
 * The admin token from ADMIN_TOKEN across restarts (SPEC §4 Scope), each restart a real
 * `npm run start:api` process: only the current value may be valid, and revoking it lasts.
 * The tests run in order, each restart following the one before.
 */
let env: TestEnv;
beforeAll(async () => {
  env = await makeTestEnv();
});
afterAll(() => env.close());

const newValue = () => `bootstrap-${randomBytes(16).toString('hex')}`;
/** A restart: a new API process with this ADMIN_TOKEN ('' is unset), asked with `token`. */
const restartAndAsk = async (adminToken: string, token: string) => {
  const api = await env.spawnApi({ ADMIN_TOKEN: adminToken });
  const { status } = await api.http('PUT', `/api/admin/departments/${env.factories.nextId()}`, { token, body: { name: 'Bootstrap check' } });
  api.child.kill('SIGTERM');
  await api.exited;
  return status;
};
const bootstrapRowId = async () => (await env.db('api_tokens').where({ kind: 'admin', name: 'ADMIN_TOKEN' }).whereNull('revoked_at').first('id'))?.id;

test('a revoked bootstrap admin token stays revoked after a restart with the same ADMIN_TOKEN', async () => {
  const id = await bootstrapRowId();
  expect((await env.http('DELETE', `/api/admin/tokens/${id}`, { token: ADMIN_TOKEN })).status).toBe(204);
  expect(await restartAndAsk(ADMIN_TOKEN, ADMIN_TOKEN)).toBe(401);
  expect(await bootstrapRowId()).toBeUndefined();
});

let rotated: string;
test('a new value of ADMIN_TOKEN makes a new admin token; the previous value stays refused', async () => {
  rotated = newValue();
  expect(await restartAndAsk(rotated, rotated)).toBe(201);
  expect((await env.http('GET', '/api/workorder-tasks/mine/', { token: ADMIN_TOKEN })).status).toBe(401);
});

test('going back to an earlier value revokes the current one, and brings no revoked value back', async () => {
  expect(await restartAndAsk(ADMIN_TOKEN, rotated)).toBe(401);
  expect((await env.http('GET', '/api/claims/1', { token: ADMIN_TOKEN })).status).toBe(401);
});

test('a restart without ADMIN_TOKEN leaves no valid token made from it', async () => {
  const value = newValue();
  expect(await restartAndAsk(value, value)).toBe(201);
  expect(await restartAndAsk('', value)).toBe(401);
  expect(await bootstrapRowId()).toBeUndefined();
});

test('an ADMIN_TOKEN shorter than 32 characters stops start-up with a clear message', async () => {
  const failed = await env.spawnApi({ ADMIN_TOKEN: 'x'.repeat(31) }).then(
    () => new Error('the API started with a 31-character ADMIN_TOKEN'),
    (error: Error) => error,
  );
  expect(failed.message).toContain('api did not start');
  expect(failed.message).toMatch(/ADMIN_TOKEN: must be at least 32 characters/);
});
