/**
 * SPEC §6: every answer carries `X-Content-Type-Options: nosniff`, every page forbids framing, and a
 * client that sends its headers or its body too slowly is cut off (slowloris), and an API process holds
 * at most MAX_CONNECTIONS connections. The pages themselves still work:
 * docs-and-dashboard.e2e.test.ts and console.e2e.test.ts render them in a browser.
 */
import { connect, type Socket } from 'node:net';
import { ADMIN_TOKEN, eventually, makeTestEnv, type TestEnv } from '../support/test-env';
import { HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from '../../services/api/src/http/server';

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

test('the redirect from /docs to /docs/ forbids framing too, and keeps the query', async () => {
  const response = await fetch(`${env.baseUrl}/docs?tab=claims`, { redirect: 'manual', headers: { accept: 'text/html' } });
  await response.arrayBuffer();
  expect(response.status).toBe(301);
  expect(response.headers.get('location')).toBe('/docs/?tab=claims');
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
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

/**
 * Sends `head` at once, then `drip` a byte every `everyMs` until the server closes the connection:
 * what it answered, and how long it held the connection.
 */
async function slowClient(head: string, drip: string, everyMs: number): Promise<{ answer: string; heldMs: number }> {
  const { port } = new URL(env.baseUrl);
  const socket = connect(Number(port), '127.0.0.1');
  let answer = '';
  socket.on('data', (chunk) => (answer += chunk.toString()));
  const startedAt = Date.now();
  socket.write(head);
  let sent = 0;
  const dripping = setInterval(() => socket.write(drip[sent++ % drip.length]), everyMs);
  await new Promise((resolve) => socket.once('close', resolve));
  clearInterval(dripping);
  return { answer, heldMs: Date.now() - startedAt };
}

/** Node's own answer (a timeout, a request it cannot parse) carries the security headers too. */
function expectSecured(answer: string): void {
  expect(answer).toMatch(/\r\nX-Content-Type-Options: nosniff\r\n/);
  expect(answer).toMatch(/\r\nContent-Security-Policy: frame-ancestors 'none'\r\n/);
}

/** Cut off with 408 after `timeoutMs`: Node checks its timeouts every second, and a loaded machine adds a little. */
function expectCutOffAfter({ answer, heldMs }: { answer: string; heldMs: number }, timeoutMs: number): void {
  expect(answer).toMatch(/^HTTP\/1\.1 408/);
  expectSecured(answer);
  expect(heldMs).toBeGreaterThanOrEqual(timeoutMs - 500);
  expect(heldMs).toBeLessThan(timeoutMs + 5_000);
}

test('a client that sends its headers byte by byte is cut off after about 10 s', async () => {
  expectCutOffAfter(await slowClient('', 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' + 'a'.repeat(1000), 200), HEADERS_TIMEOUT_MS);
}, 30_000);

test('a client that sends its body byte by byte is cut off after about 30 s, and nothing of it is stored', async () => {
  const departmentId = env.factories.nextId();
  const body = JSON.stringify({ name: 'never stored' }).padEnd(1000, ' ');
  const head =
    `PUT /api/admin/departments/${departmentId} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
  expectCutOffAfter(await slowClient(head, body, 500), REQUEST_TIMEOUT_MS);
  expect((await env.http('GET', '/healthz')).status).toBe(200);
  expect(await env.db('departments').where({ id: departmentId }).first()).toBeUndefined();
}, 60_000);

test.each([
  ['a request line it cannot parse', 'NOT HTTP AT ALL\r\n\r\n', 400],
  ['headers over 16 KiB', `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
])('%s: Node answers it with the security headers too (%#)', async (_what, request, status) => {
  const { port } = new URL(env.baseUrl);
  const socket = connect(Number(port), '127.0.0.1', () => socket.write(request));
  let answer = '';
  socket.on('data', (chunk) => (answer += chunk.toString()));
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('close', resolve));
  expect(answer.split('\r\n')[0]).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
  expectSecured(answer);
});

test('an API process started with MAX_CONNECTIONS=4 closes a fifth connection at once, and takes new ones once others close', async () => {
  const api = await env.spawnApi({ MAX_CONNECTIONS: '4' });
  const { port } = new URL(api.baseUrl);
  /** A kept-alive connection's answer to GET /healthz: its status line, or `closed` when the server drops it unanswered. */
  const open = () =>
    new Promise<{ socket: Socket; answer: string }>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
      socket.once('data', (chunk) => resolve({ socket, answer: chunk.toString().split('\r\n')[0] }));
      socket.once('error', () => undefined);
      socket.once('close', () => resolve({ socket, answer: 'closed' }));
    });
  const held: Socket[] = [];
  const answers: string[] = [];
  for (let i = 0; i < 6; i += 1) {
    const { socket, answer } = await open();
    held.push(socket);
    answers.push(answer);
  }
  // The test's own readiness check may still keep one connection of the four.
  const accepted = answers.filter((answer) => answer === 'HTTP/1.1 200 OK').length;
  expect(accepted).toBeGreaterThanOrEqual(3);
  expect(answers).toEqual([...Array(accepted).fill('HTTP/1.1 200 OK'), ...Array(6 - accepted).fill('closed')]);
  for (const socket of held) socket.destroy();
  const again = await eventually(async () => {
    const { socket, answer } = await open();
    socket.destroy();
    return answer === 'closed' ? undefined : answer;
  }, 5_000, 'a connection to be taken once the others closed');
  expect(again).toBe('HTTP/1.1 200 OK');
  api.child.kill('SIGTERM');
  await api.exited;
}, 60_000);
