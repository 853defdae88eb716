/**
 * Swagger UI and the queue dashboard as a person sees them, in headless Chromium; the screenshots
 * go to test-results/screenshots/ (docs/ with UPDATE_SCREENSHOTS=1). Every page the service serves
 * (console included) works on a plant network with no internet: with each request that leaves this
 * machine blocked, it renders and none of its requests fails.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { claimQueueName, partitionOf } from '@taskclaim/shared/queue';
import { ensureConsole } from '../../scripts/ensure-console';
import { launchChromium } from '../support/browser';
import { whilePaused } from '../support/paused-queues';
import { screenshotPath } from '../support/screenshots';
import { ADMIN_TOKEN, makeTestEnv, type TestEnv } from '../support/test-env';

let env: TestEnv;
let browser: Browser;
beforeAll(async () => {
  ensureConsole();
  env = await makeTestEnv();
  await env.startWorker();
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

test('Swagger UI at /docs renders the generated document', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${env.baseUrl}/docs/`);
  await page.getByText('/api/workorder-tasks/{id}/claim/').first().waitFor({ timeout: 30_000 });
  expect(await page.getByText('/api/claims/{claim_id}').count()).toBeGreaterThan(0);
  await page.screenshot({ path: screenshotPath('openapi-docs.png') });
  expect(errors).toEqual([]);
  await page.close();
});

test("the queue dashboard logs an admin in with basic auth and shows a paused partition's waiting claim and the reconciler's rounds", async () => {
  const department = await env.factories.newDepartment();
  const operator = await env.factories.newOperator({ departmentIds: [department.id] });
  const task = await env.factories.newTask({ departmentId: department.id });
  const partition = claimQueueName(partitionOf(task.id, env.config.CLAIM_PARTITIONS));

  const refused = await browser.newContext({ httpCredentials: { username: 'admin', password: 'not-a-token' } });
  const denied = await (await refused.newPage()).goto(`${env.baseUrl}/admin/queues`);
  expect(denied?.status()).toBe(401);
  await refused.close();

  const admin = await browser.newContext({ viewport: { width: 1280, height: 900 }, httpCredentials: { username: 'admin', password: ADMIN_TOKEN } });
  const page = await admin.newPage();
  await whilePaused(env, async () => {
    expect((await env.http('POST', `/api/workorder-tasks/${task.id}/claim/`, { token: operator.token, body: {} })).status).toBe(202);
    const response = await page.goto(`${env.baseUrl}/admin/queues`);
    expect(response?.status()).toBe(200);
    // how many jobs a queue's card says it holds (the menu lists the queue too, without a count)
    const jobsOf = (name: string, count: RegExp) => page.locator('li', { has: page.locator(`a[title="${name}"]`) }).getByText(count).waitFor({ timeout: 30_000 });
    await jobsOf(partition, /^1 Job$/);
    await jobsOf('reconciler', /^[1-9]\d* Jobs?$/);
    for (const name of ['webhooks', 'leases']) await jobsOf(name, /^\d+ Jobs?$/);
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: screenshotPath('queue-dashboard.png') });
  });
  await admin.close();
});

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** A page whose every request off this machine is blocked and recorded, as are the requests that fail. */
async function offlinePage(context: BrowserContext): Promise<{ page: Page; blocked: string[]; failed: string[] }> {
  const blocked: string[] = [];
  const failed: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'data:' || LOOPBACK.has(url.hostname)) return route.continue();
    blocked.push(url.href);
    return route.abort('internetdisconnected');
  });
  const page = await context.newPage();
  page.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText}`));
  return { page, blocked, failed };
}

test.each([
  ['the operator console', '/console/', 'taskclaim'],
  ['the API docs', '/docs/', '/api/workorder-tasks/{id}/claim/'],
])('%s (%s) loads nothing from outside the service', async (_name, path, text) => {
  const context = await browser.newContext();
  const { page, blocked, failed } = await offlinePage(context);
  const response = await page.goto(`${env.baseUrl}${path}`);
  expect(response?.status()).toBe(200);
  await page.getByText(text).first().waitFor({ timeout: 30_000 });
  await page.waitForLoadState('networkidle');
  expect({ blocked, failed }).toEqual({ blocked: [], failed: [] });
  await context.close();
});

test('the queue dashboard (/admin/queues) loads nothing from outside the service', async () => {
  const context = await browser.newContext({ httpCredentials: { username: 'admin', password: ADMIN_TOKEN } });
  const { page, blocked, failed } = await offlinePage(context);
  const response = await page.goto(`${env.baseUrl}/admin/queues`);
  expect(response?.status()).toBe(200);
  await page.getByText('claims-0').first().waitFor({ timeout: 30_000 });
  await page.waitForLoadState('networkidle');
  expect({ blocked, failed }).toEqual({ blocked: [], failed: [] });
  await context.close();
});
