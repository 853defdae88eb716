/**
 * SPEC §6: every answer carries `X-Content-Type-Options: nosniff`, every page forbids framing, and a
 * client that sends its headers too slowly is cut off (slowloris). The pages themselves still work:
 * docs-and-dashboard.e2e.test.ts and console.e2e.test.ts render them in a browser.
 */
import { connect } from 'node:net';
import { ADMIN_TOKEN, makeTestEnv, type TestEnv } from '../support/test-env';
import { HEADERS_TIMEOUT_MS } from '../../services/api/src/http/server';

let env: TestEnv;
beforeAll(async () => {
  env = await makeTestEnv();
});
afterAll(() => env?.close());

const basicAdmin = `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`;

test.each([
  ['an API route', '/api/workorder-tasks/mine/', { authorization: `Bearer ${ADMIN_TOKEN}` }],
  ['an API problem', '/api/no-such-route', {}],
  ['the docs page', '/docs/', {}],
  ['the OpenAPI document', '/openapi.json', {}],
  ['the queue dashboard', '/admin/queues', { authorization: basicAdmin }],
  ['the console', '/console/', {}],
  ['the health check', '/healthz', {}],
])('%s: nosniff, and no framing', async (_what, path, headers: Record<string, string>) => {
  const response = await fetch(env.baseUrl + path, { headers });
  await response.arrayBuffer();
  expect(response.status).not.toBe(500);
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(response.headers.get('x-frame-options')).toBe('DENY');
});

test('the console keeps its own strict policy', async () => {
  const response = await fetch(`${env.baseUrl}/console/`);
  await response.arrayBuffer();
  expect(response.headers.get('content-security-policy')).toMatch(/^default-src 'self';.*frame-ancestors 'none'/);
});

test('the pages that need inline scripts and styles are not restricted beyond framing', async () => {
  for (const [path, headers] of [['/docs/', {}], ['/admin/queues', { authorization: basicAdmin }]] as const) {
    const response = await fetch(env.baseUrl + path, { headers });
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain('<script');
    expect(response.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
  }
});

test('a client that sends its headers byte by byte is cut off after about 10 s', async () => {
  const { port } = new URL(env.baseUrl);
  const socket = connect(Number(port), '127.0.0.1');
  const request = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' + 'a'.repeat(1000);
  const startedAt = Date.now();
  let sent = 0;
  let answer = '';
  socket.on('data', (chunk) => (answer += chunk.toString()));
  const drip = setInterval(() => socket.write(request[sent++ % request.length]), 200);
  await new Promise((resolve) => socket.once('close', resolve));
  clearInterval(drip);
  const heldMs = Date.now() - startedAt;
  expect(answer).toMatch(/^HTTP\/1\.1 408/);
  expect(heldMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 500);
  // Node checks its timeouts every second; a loaded machine adds a little.
  expect(heldMs).toBeLessThan(HEADERS_TIMEOUT_MS + 5_000);
}, 30_000);
