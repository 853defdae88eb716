/**
 * The operator console (apps/console, served at /console/) end to end, in headless Chromium (Debian's
 * `chromium` package; `.ci/run` installs it), against the in-process API and a claim worker.
 */
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { createTaskclaimClient, type TaskUpsert, type TaskclaimClient } from '@taskclaim/client';
import { ensureConsole } from '../../scripts/ensure-console';
import { launchChromium } from '../support/browser';
import { pauseClaimQueues, whilePaused } from '../support/paused-queues';
import { screenshotPath } from '../support/screenshots';
import { ADMIN_TOKEN, makeTestEnv, type TestEnv } from '../support/test-env';

const TOKEN_KEY = 'taskclaim.console.token';

let env: TestEnv;
let browser: Browser;
let admin: TaskclaimClient;
beforeAll(async () => {
  ensureConsole();
  env = await makeTestEnv();
  await env.startWorker();
  admin = createTaskclaimClient({ baseUrl: env.baseUrl, token: ADMIN_TOKEN });
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

// ── arrange ──────────────────────────────────────────────────────────────────────────────────────

interface Operator {
  id: number;
  username: string;
  token: string;
}

async function department(name?: string, claimLeaseSeconds?: number): Promise<{ id: number; name: string }> {
  const id = env.factories.nextId();
  const department = { id, name: name ?? `Department ${id}` };
  await admin.upsertDepartment(id, { name: department.name, ...(claimLeaseSeconds ? { claim_lease_seconds: claimLeaseSeconds } : {}) });
  return department;
}

async function operator(departmentIds: number[], extra: { username?: string; first?: string; last?: string; maxActiveTasks?: number; skills?: string[] } = {}): Promise<Operator> {
  const id = env.factories.nextId();
  const username = extra.username ?? `op${id}`;
  await admin.upsertOperator(id, {
    username,
    first_name: extra.first ?? 'Op',
    last_name: extra.last ?? String(id),
    department_ids: departmentIds,
    ...(extra.maxActiveTasks !== undefined ? { max_active_tasks: extra.maxActiveTasks } : {}),
    ...(extra.skills ? { skills: extra.skills } : {}),
  });
  const { token } = await admin.createToken({ kind: 'operator', name: `console ${username}`, operator_id: id });
  return { id, username, token };
}

/** Tasks in the order given (ids ascending, so oldest first), all pending in `departmentId`; `dispatch` adds priority, due date or skills by position. */
async function tasks(departmentId: number, contents: string[], dispatch: Partial<Pick<TaskUpsert, 'priority' | 'due_at' | 'required_skills'>>[] = []): Promise<(TaskUpsert & { id: number })[]> {
  const made = contents.map((work_content, index) => {
    const id = env.factories.nextId();
    return { id, work_order: { id: id + 700_000, order_number: `WO-${id}` }, work_content, status: 'pending' as const, assigned_department_id: departmentId, ...dispatch[index] };
  });
  await admin.upsertTasks(made);
  return made;
}

// ── reading the page (playwright-core has no `expect`: jest's, retried while the page changes live) ──

async function soon(assertion: () => Promise<void>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

const textOf = async (locator: Locator) => ((await locator.textContent({ timeout: 1_000 })) ?? '').trim();
const expectText = (locator: Locator, expected: string | RegExp) =>
  soon(async () => {
    if (typeof expected === 'string') expect(await textOf(locator)).toBe(expected);
    else expect(await textOf(locator)).toMatch(expected);
  });
const expectContains = (locator: Locator, expected: string) => soon(async () => expect(await textOf(locator)).toContain(expected));
const expectAttribute = (locator: Locator, name: string, value: string, timeoutMs?: number) =>
  soon(async () => expect(await locator.getAttribute(name, { timeout: 1_000 })).toBe(value), timeoutMs);
const expectCount = (locator: Locator, count: number) => soon(async () => expect(await locator.count()).toBe(count));
const expectDisabled = (locator: Locator) => soon(async () => expect(await locator.isDisabled({ timeout: 1_000 })).toBe(true));
// This file is compiled without the DOM's types: page code reaches the page through the element, or is source text.
const isFocused = (locator: Locator) => locator.evaluate((element) => element === element.ownerDocument.activeElement, undefined, { timeout: 1_000 });
const expectFocused = (locator: Locator) => soon(async () => expect(await isFocused(locator)).toBe(true));
const expectVisible = (locator: Locator) => locator.waitFor({ state: 'visible', timeout: 15_000 });
const expectHidden = (locator: Locator) => locator.waitFor({ state: 'hidden', timeout: 15_000 });
const storedToken = (page: Page) => page.evaluate(`sessionStorage.getItem(${JSON.stringify(TOKEN_KEY)})`);
const scrollWidth = (page: Page) => page.evaluate('document.documentElement.scrollWidth') as Promise<number>;

// ── the browser ──────────────────────────────────────────────────────────────────────────────────

interface Console {
  context: BrowserContext;
  page: Page;
  /** console errors and uncaught exceptions of the page */
  errors: string[];
  /** the API requests the page made, as "METHOD path" */
  requests: string[];
}

const opened: BrowserContext[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((context) => context.close()));
});

async function openConsole(options: { locale?: string; width?: number; height?: number } = {}): Promise<Console> {
  const context = await browser.newContext({
    locale: options.locale ?? 'en-US',
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    deviceScaleFactor: 1,
  });
  opened.push(context);
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/api/')) requests.push(`${request.method()} ${url.pathname}`);
  });
  await page.goto(`${env.baseUrl}/console/`);
  return { context, page, errors, requests };
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.getByLabel(/Operator token|操作员令牌/).fill(token);
  await page.getByRole('button', { name: /^(Sign in|登录)$/ }).click();
  await expectVisible(page.locator('#console'));
  await settled(page);
}

/** No refresh running or due: what the page shows is what the API said. */
async function settled(page: Page): Promise<void> {
  await expectAttribute(page.locator('#claimable-section'), 'aria-busy', 'false');
}

const taskRow = (page: Page, taskId: number): Locator => page.locator(`#claimable li[data-task-id="${taskId}"]`);
const claimEntry = (page: Page, taskId: number): Locator => page.locator(`#claims li[data-task-id="${taskId}"]`).first();

async function claimFromList(page: Page, taskId: number): Promise<Locator> {
  await taskRow(page, taskId).getByRole('button').click();
  return claimEntry(page, taskId);
}

/** The claim entry of a claim-next (its task is known only once decided). */
const nextEntry = (page: Page): Locator => page.locator('#claims li[data-action="claim_next"]').first();

/** The stream is up: the list is live. */
const expectLive = (page: Page, word = 'Live') => expectContains(page.locator('#claimable-summary'), word);

/** Refuses GET /api/events, as a proxy that does not pass streams would: the console falls back to long-polls and refreshes. */
const streamDown = (page: Page) => page.route('**/api/events', (route) => route.abort('connectionrefused'));
const streamUp = (page: Page) => page.unroute('**/api/events');

/** The long-polls (GET /api/claims/{id}) among the requests. */
const longPolls = (requests: string[]) => requests.filter((request) => /^GET \/api\/claims\/\d+$/.test(request));

/**
 * Held in the queue (the workers paused), a request pressed for shows as queued and its button as busy,
 * aria-disabled (it keeps keyboard focus); a second press sends nothing (`entries` stays at one).
 */
async function pressWhileQueued(button: Locator, entry: Locator, busyText: string, entries: Locator): Promise<void> {
  const resume = await pauseClaimQueues(env.api.queues.queues);
  try {
    await button.click();
    await expectAttribute(entry, 'data-state', 'queued');
    await expectText(entry.locator('.badge'), 'Queued — waiting for the decision…');
    await expectText(button, busyText);
    await expectAttribute(button, 'aria-disabled', 'true');
    await button.click({ force: true });
    await expectCount(entries, 1);
  } finally {
    await resume();
  }
}

/** The entry's outcome, once decided; then waits for the refresh that follows it. */
async function outcome(page: Page, taskId: number, state: 'succeeded' | 'rejected'): Promise<string> {
  const entry = claimEntry(page, taskId);
  await expectAttribute(entry, 'data-state', state, 20_000);
  await settled(page);
  return (await entry.locator('.detail').textContent()) ?? '';
}

/** Chromium logs an HTTP error answer as "Failed to load resource … status of N"; a test that provokes one names N. */
function expectNoConsoleErrors(errors: string[], expectedStatuses: number[] = []): void {
  const unexpected = errors.filter((text) => {
    const status = /status of (\d{3})/.exec(text);
    return !(status && text.startsWith('Failed to load resource') && expectedStatuses.includes(Number(status[1])));
  });
  expect(unexpected).toEqual([]);
}

/** Chromium logs each refused stream (`streamDown`) as a failed load. */
const refusedStreamsLeftOut = (errors: string[]) => errors.filter((text) => !text.includes('ERR_CONNECTION_REFUSED'));

const visibleText = (page: Page) => page.locator('body').innerText();

// ── tests ────────────────────────────────────────────────────────────────────────────────────────

test('sign in, see only my departments’ tasks oldest first, claim one and watch it go queued → succeeded; the token stays out of the URL', async () => {
  const mine = await department('Assembly');
  const other = await department('Painting');
  const me = await operator([mine.id]);
  const [first, second, third] = await tasks(mine.id, ['Mount the gearbox', 'Torque the housing bolts', 'Wire the control panel']);
  const [foreign] = await tasks(other.id, ['Prime the frame (other department)']);
  const { page, errors } = await openConsole();

  await expectVisible(page.getByRole('heading', { name: 'Sign in' }));
  await signIn(page, me.token);
  // Named at once, with no task assigned yet: a wrong token on a shared tablet shows.
  await expectText(page.locator('#who'), `Signed in as Op ${me.id} (${me.username})`);
  const titles = await page.locator('#claimable li.task .title').allTextContents();
  expect(titles).toEqual([first.work_content, second.work_content, third.work_content]);
  await expectContains(page.locator('#claimable-summary'), '3 to claim');
  await expectText(page.locator('#mine-count'), '0 of 10');
  expect(await visibleText(page)).not.toContain(foreign.work_content);

  // Held in the queue, the claim shows as queued; once a worker takes it, as succeeded: live, no reload.
  const entry = claimEntry(page, second.id);
  await pressWhileQueued(taskRow(page, second.id).getByRole('button'), entry, 'Claiming…', page.locator('#claims li'));
  expect(await outcome(page, second.id, 'succeeded')).toBe('Task claimed successfully.');
  await expectText(entry.locator('.badge'), 'Claimed');

  // The list, my active tasks and my notifications follow.
  await expectCount(taskRow(page, second.id), 0);
  await expectText(page.locator('#mine-count'), '1 of 10');
  await expectContains(page.locator('#mine'), second.work_content);
  await expectContains(page.locator('#notifications'), `Task claimed: ${second.work_content}`);
  expect(await visibleText(page)).not.toContain(foreign.work_content);

  // The token lives in this tab's session storage only: not in the URL, not in local storage; a reload keeps the session.
  expect(page.url()).toBe(`${env.baseUrl}/console/`);
  expect(await storedToken(page)).toBe(me.token);
  expect(await page.evaluate('JSON.stringify(localStorage)')).not.toContain(me.token);
  await page.reload();
  await expectVisible(page.locator('#console'));
  await settled(page);
  await expectCount(page.locator('#claimable li.task'), 2);
  await expectText(page.locator('#who'), `Signed in as Op ${me.id} (${me.username})`);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expectFocused(page.getByLabel('Operator token'));
  expect(await storedToken(page)).toBeNull();
  expectNoConsoleErrors(errors);
});

test('with its live stream down, a console still shows outcomes (long-polls) and a stale list meets already_claimed naming the winner; in Chinese too, and on switching language', async () => {
  const floor = await department();
  const winner = await operator([floor.id]);
  const loser = await operator([floor.id]);
  const chinese = await operator([floor.id]);
  const [contended, vanishing] = await tasks(floor.id, ['Fit the hydraulic pump', 'Grease the bearings']);

  const a = await openConsole();
  const b = await openConsole();
  const c = await openConsole({ locale: 'zh-CN' });
  // b and c hear nothing live: their lists stay as their last refresh left them.
  await streamDown(b.page);
  await streamDown(c.page);
  await signIn(a.page, winner.token);
  await signIn(b.page, loser.token);
  await signIn(c.page, chinese.token);
  // The Chinese browser gets the Chinese interface without asking.
  await expectVisible(c.page.getByRole('heading', { name: '可认领的任务' }));
  await expectAttribute(c.page.locator('html'), 'lang', 'zh-CN');

  await claimFromList(a.page, contended.id);
  expect(await outcome(a.page, contended.id, 'succeeded')).toBe('Task claimed successfully.');

  // b and c still show the task (their lists refresh gently); their claims lose, with the winner named,
  // the outcome long-polled.
  await expectContains(b.page.locator('#claimable-summary'), 'Updated');
  await claimFromList(b.page, contended.id);
  expect(await outcome(b.page, contended.id, 'rejected')).toBe(`This task has already been claimed by ${winner.username}.`);
  expect(longPolls(b.requests)).not.toEqual([]);
  await expectAttribute(claimEntry(b.page, contended.id), 'data-code', 'already_claimed');
  await expectText(claimEntry(b.page, contended.id).locator('.badge'), 'Rejected');
  await expectCount(taskRow(b.page, contended.id), 0);

  await claimFromList(c.page, contended.id);
  expect(await outcome(c.page, contended.id, 'rejected')).toBe(`该任务已被 ${winner.username} 认领，无法重复认领`);
  await expectText(claimEntry(c.page, contended.id).locator('.badge'), '认领被拒绝');
  // A task deleted after the list was shown: rule 1, also in Chinese.
  await admin.deleteTask(vanishing.id);
  await claimFromList(c.page, vanishing.id);
  expect(await outcome(c.page, vanishing.id, 'rejected')).toBe(`任务ID ${vanishing.id} 不存在`);

  // Switching b to Chinese: labels, and the decided claim read again in Chinese.
  await b.page.getByLabel('Language').selectOption('zh');
  await expectVisible(b.page.getByRole('heading', { name: '我的认领' }));
  await expectText(claimEntry(b.page, contended.id).locator('.detail'), `该任务已被 ${winner.username} 认领，无法重复认领`);
  await expectVisible(b.page.getByRole('button', { name: '退出' }));
  // and a's notification in Chinese
  await a.page.getByLabel('Language').selectOption('zh');
  await expectContains(a.page.locator('#notifications'), `任务认领成功：${contended.work_content}`);
  await expectContains(a.page.locator('#claimable-summary'), '共 0 个可认领');

  expectNoConsoleErrors(a.errors);
  expectNoConsoleErrors(refusedStreamsLeftOut(b.errors));
  expectNoConsoleErrors(refusedStreamsLeftOut(c.errors), [404]); // the deleted task's claim
});

test('every rejection a stale list can meet (SPEC §3) reads as its sentence; a deactivated operator is signed out', async () => {
  const floor = await department('Welding');
  const me = await operator([floor.id], { maxActiveTasks: 1 });
  const someone = await operator([floor.id]);
  const list = await tasks(floor.id, ['Draft', 'Completed', 'Cancelled', 'No department', 'Deleted', 'Claimed by someone', 'First', 'Over the limit', 'Not my department']);
  const [draft, completed, cancelled, noDepartment, deleted, taken, firstOne, overLimit, notMine] = list;
  const { page, errors } = await openConsole();
  await signIn(page, me.token);
  await expectCount(page.locator('#claimable li.task'), list.length);

  const change = ({ id, ...task }: TaskUpsert & { id: number }, patch: Partial<TaskUpsert>) => admin.upsertTask(id, { ...task, ...patch });
  const cases: [string, TaskUpsert & { id: number }, () => Promise<unknown>, string][] = [
    ['task_draft', draft, () => change(draft, { status: 'draft' }), 'Draft tasks cannot be claimed; wait until the work order has been approved.'],
    ['task_completed', completed, () => change(completed, { status: 'completed' }), 'Completed tasks cannot be claimed.'],
    ['task_cancelled', cancelled, () => change(cancelled, { status: 'cancelled' }), 'Cancelled tasks cannot be claimed.'],
    ['task_no_department', noDepartment, () => change(noDepartment, { assigned_department_id: null }), 'This task has not been assigned to a department yet, so it cannot be claimed.'],
    ['task_not_found', deleted, () => admin.deleteTask(deleted.id), `Task ${deleted.id} does not exist.`],
    ['already_claimed', taken, () => change(taken, { assigned_operator_id: someone.id }), `This task has already been claimed by ${someone.username}.`],
  ];
  for (const [code, task, makeStale, sentence] of cases) {
    await makeStale();
    await claimFromList(page, task.id);
    expect([code, await outcome(page, task.id, 'rejected')]).toEqual([code, sentence]);
    await expectAttribute(claimEntry(page, task.id), 'data-code', code);
  }

  await claimFromList(page, firstOne.id);
  await outcome(page, firstOne.id, 'succeeded');
  await expectText(page.locator('#mine-count'), '1 of 1');
  await expectText(page.locator('#mine-limit'), 'You are at your limit: finish a task before claiming another.');
  await claimFromList(page, overLimit.id);
  expect(await outcome(page, overLimit.id, 'rejected')).toBe(
    'You already have 1 active tasks and the limit is 1; finish one before claiming another.',
  );

  await admin.upsertOperator(me.id, { username: me.username, first_name: 'Op', last_name: String(me.id), department_ids: [], max_active_tasks: 1 });
  await claimFromList(page, notMine.id);
  expect(await outcome(page, notMine.id, 'rejected')).toBe(`You are not a member of department ${floor.name}, so you cannot claim this task.`);
  await expectContains(page.locator('#claimable'), 'No tasks to claim right now.');

  // Deactivated: the API refuses the token (403) before any rule; the console signs out and says why.
  await admin.upsertOperator(me.id, { username: me.username, department_ids: [], active: false });
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expectText(page.locator('#sign-in-error'), 'You have been signed out: This token may not be used here: its operator is deactivated.');
  expect(await storedToken(page)).toBeNull();
  // the deleted task's claim (404) and the refused refresh (403)
  expectNoConsoleErrors(errors, [403, 404]);
});

test('a wrong token is refused on the sign-in form; keyboard alone signs in and claims', async () => {
  const floor = await department();
  const me = await operator([floor.id]);
  const [task] = await tasks(floor.id, ['Check the brake lines']);
  const { page, errors } = await openConsole({ width: 360, height: 740 });

  await page.getByLabel('Operator token').fill('tc_not-a-real-token');
  await page.keyboard.press('Enter');
  await expectText(page.locator('#sign-in-error'), 'This token is unknown or has been revoked.');
  await expectHidden(page.locator('#console'));

  await page.getByLabel('Operator token').fill(me.token);
  await page.keyboard.press('Enter');
  await expectFocused(page.getByRole('heading', { name: 'Claimable tasks' }));
  await settled(page);
  // Tab to the task's Claim button (named after the task) and press it.
  const claimButton = page.getByRole('button', { name: `Claim ${task.work_content}` });
  for (let i = 0; i < 10 && !(await isFocused(claimButton)); i++) await page.keyboard.press('Tab');
  await expectFocused(claimButton);
  const outline = await claimButton.evaluate((button) => button.ownerDocument.defaultView?.getComputedStyle(button).outlineStyle);
  expect(outline).toBe('solid');
  await page.keyboard.press('Enter');
  expect(await outcome(page, task.id, 'succeeded')).toBe('Task claimed successfully.');

  // Nothing is wider than a 360 px phone.
  expect(await scrollWidth(page)).toBeLessThanOrEqual(360);
  expectNoConsoleErrors(errors, [401]);
});

test('pages of 50 claimable tasks, oldest first', async () => {
  const floor = await department();
  const me = await operator([floor.id]);
  const made = await tasks(
    floor.id,
    Array.from({ length: 53 }, (_, i) => `Station ${String(i + 1).padStart(2, '0')}`),
  );
  const { page, errors } = await openConsole();
  await signIn(page, me.token);
  await expectText(page.locator('#page-of'), 'Page 1 of 2');
  await expectDisabled(page.getByRole('button', { name: 'Previous' }));
  expect(await page.locator('#claimable li.task .title').allTextContents()).toEqual(made.slice(0, 50).map((task) => task.work_content));
  await page.getByRole('button', { name: 'Next', exact: true }).click();
  await expectText(page.locator('#page-of'), 'Page 2 of 2');
  await settled(page);
  expect(await page.locator('#claimable li.task .title').allTextContents()).toEqual(made.slice(50).map((task) => task.work_content));
  await expectDisabled(page.getByRole('button', { name: 'Next', exact: true }));
  expectNoConsoleErrors(errors);
});

test('no tight loops: idle, the page waits its interval and pauses while hidden; a 503 with Retry-After and a 429 on a claim are waited out', async () => {
  const floor = await department();
  const me = await operator([floor.id]);
  const [task] = await tasks(floor.id, ['Align the drive shaft']);
  const { page, errors, requests } = await openConsole();
  await signIn(page, me.token);

  // Idle for 3 s after the first refresh: no request at all.
  const before = requests.length;
  await page.waitForTimeout(3_000);
  expect(requests.slice(before)).toEqual([]);

  // A hidden tab does not refresh; a refresh that came due runs when the tab is shown again.
  const setVisibility = (state: 'hidden' | 'visible') =>
    page.evaluate(
      `Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => '${state}' });
       document.dispatchEvent(new Event('visibilitychange'))`,
    );
  await setVisibility('hidden');
  const whileHidden = requests.length;
  await page.getByRole('button', { name: 'Refresh' }).click();
  await settled(page);
  await page.waitForTimeout(1_000);
  expect(requests.slice(whileHidden)).toEqual([]);
  await setVisibility('visible');
  await soon(async () => expect(requests.slice(whileHidden)).toHaveLength(3));
  await settled(page);

  // The API is overloaded: a refresh meets 503 Retry-After: 30, says so, and does not ask again meanwhile.
  let refused = 0;
  await page.route('**/api/workorder-tasks/claimable/**', (route) => {
    refused++;
    return route.fulfill({
      status: 503,
      headers: { 'content-type': 'application/problem+json', 'retry-after': '30' },
      body: JSON.stringify({ type: 'about:blank', title: 'Unavailable', status: 503, detail: 'PostgreSQL or Redis is unavailable; retry shortly.', code: 'service_unavailable' }),
    });
  });
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expectText(page.locator('#notice'), /^The server is busy; trying again in (30|3\d) s\.$/);
  await page.waitForTimeout(2_000);
  expect(refused).toBe(1);
  await page.unroute('**/api/workorder-tasks/claimable/**');

  // A claim answered 429 Retry-After: 1 is sent again after a second, with the same Idempotency-Key: one claim.
  const keys: string[] = [];
  await page.route('**/api/workorder-tasks/*/claim/', async (route) => {
    keys.push(route.request().headers()['idempotency-key']);
    if (keys.length === 1) {
      return route.fulfill({
        status: 429,
        headers: { 'content-type': 'application/problem+json', 'retry-after': '1' },
        body: JSON.stringify({ type: 'about:blank', title: 'Too many requests', status: 429, detail: 'Too many requests.', code: 'rate_limited' }),
      });
    }
    return route.continue();
  });
  const entry = await claimFromList(page, task.id);
  await expectText(entry.locator('.detail'), /^Busy — retrying in \d+ s…$/);
  expect(await outcome(page, task.id, 'succeeded')).toBe('Task claimed successfully.');
  expect(keys).toHaveLength(2);
  expect(keys[1]).toBe(keys[0]);
  expect(keys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const [{ count }] = await env.db('claim_requests').where({ task_id: task.id }).count({ count: '*' });
  expect(Number(count)).toBe(1);
  expectNoConsoleErrors(errors, [429, 503]);
});

test('live: a task claimed elsewhere leaves the list without a refresh (before any request); a released one comes back; my own outcome comes on the stream, not by long-poll', async () => {
  const floor = await department();
  const me = await operator([floor.id]);
  const colleague = await operator([floor.id]);
  const [taken, mine, other] = await tasks(floor.id, ['Bleed the brakes', 'Tension the belt', 'Label the harness']);
  const elsewhere = createTaskclaimClient({ baseUrl: env.baseUrl, token: colleague.token });
  const { page, errors, requests } = await openConsole();
  await signIn(page, me.token);
  await expectLive(page);
  await expectContains(page.locator('#claimable-summary'), '3 to claim');

  const before = requests.length;
  await elsewhere.claimTask(taken.id, { wait: 20 });
  // Gone before the page asked anything: the stream said it. (A refresh comes 16 s at the earliest; 5 s is only how long we look.)
  await soon(async () => expect(await taskRow(page, taken.id).count()).toBe(0), 5_000);
  expect(requests.length).toBe(before);
  await expectContains(page.locator('#claimable-summary'), '2 to claim');
  // nothing was asked for: the stream said it
  expect(requests.slice(before)).toEqual([]);

  // Given back, it comes back (the console lists again).
  await elsewhere.releaseTask(taken.id, { wait: 20 });
  await expectCount(taskRow(page, taken.id), 1);
  await settled(page);
  expect(await page.locator('#claimable li.task .title').allTextContents()).toEqual([taken.work_content, mine.work_content, other.work_content]);

  // My claim: submitted, its decision heard on the stream, no long-poll.
  await claimFromList(page, mine.id);
  expect(await outcome(page, mine.id, 'succeeded')).toBe('Task claimed successfully.');
  expect(longPolls(requests)).toEqual([]);
  expectNoConsoleErrors(errors);
});

test('the stream down: outcomes by long-poll; back up (back-off), live again', async () => {
  const floor = await department();
  const me = await operator([floor.id]);
  const colleague = await operator([floor.id]);
  const [first, second] = await tasks(floor.id, ['Seal the tank', 'Check the valves']);
  const { page, errors, requests } = await openConsole();
  await streamDown(page);
  await signIn(page, me.token);
  await expectContains(page.locator('#claimable-summary'), 'Updated');

  await claimFromList(page, first.id);
  expect(await outcome(page, first.id, 'succeeded')).toBe('Task claimed successfully.');
  expect(longPolls(requests)).not.toEqual([]);
  await expectText(page.locator('#mine-count'), '1 of 10');

  // The stream comes back at its next attempt (1 s, 2 s, 4 s … apart), and the console lists again.
  await streamUp(page);
  await expectLive(page);
  await settled(page);
  await createTaskclaimClient({ baseUrl: env.baseUrl, token: colleague.token }).claimTask(second.id, { wait: 20 });
  await soon(async () => expect(await taskRow(page, second.id).count()).toBe(0), 1_000);
  expectNoConsoleErrors(refusedStreamsLeftOut(errors));
});

test('Release in my active tasks gives a task back: it returns to the list and my count drops; a started task has no Release', async () => {
  const floor = await department();
  const me = await operator([floor.id]);
  const [task, { id: startedId, ...started }] = await tasks(floor.id, ['Replace the filter', 'Weld the bracket']);
  await admin.upsertTask(startedId, { ...started, status: 'in_progress', assigned_operator_id: me.id });
  const { page, errors } = await openConsole();
  await signIn(page, me.token);
  await claimFromList(page, task.id);
  await outcome(page, task.id, 'succeeded');
  await expectText(page.locator('#mine-count'), '2 of 10');
  await expectCount(page.locator(`#mine li[data-task-id="${startedId}"] button`), 0);

  const entry = page.locator(`#claims li[data-action="release"][data-task-id="${task.id}"]`);
  await pressWhileQueued(page.getByRole('button', { name: `Release ${task.work_content}` }), entry, 'Releasing…', page.locator('#claims li[data-action="release"]'));
  await expectAttribute(entry, 'data-state', 'succeeded', 20_000);
  await expectText(entry.locator('.badge'), 'Released');
  await expectText(entry.locator('.detail'), 'Task released.');
  // in the row pressed too, until it leaves my tasks
  await expectText(page.locator(`#mine li[data-task-id="${task.id}"] .outcome`), 'Task released.');
  await expectContains(entry.locator('.meta'), 'Release · Work order');
  await expectText(page.locator('#mine-count'), '1 of 10');
  await expectCount(taskRow(page, task.id), 1);
  await expectContains(page.locator('#notifications'), `Task released: ${task.work_content}`);
  expectNoConsoleErrors(errors);
});

/** Where the element is, against the page's viewport: all of it is on screen. */
async function expectInViewport(page: Page, locator: Locator): Promise<void> {
  const box = await locator.boundingBox({ timeout: 1_000 });
  const viewport = page.viewportSize()!;
  expect(box).not.toBeNull();
  expect({ top: box!.y >= 0, bottom: box!.y + box!.height <= viewport.height }).toEqual({ top: true, bottom: true });
}

/**
 * In the page, from now on: the milliseconds between the row of `taskId` showing an outcome of `state`
 * in place and the row leaving the list (the page's own clock: a slow test run cannot shorten it).
 */
const heldMs = (page: Page, taskId: number, state: string) =>
  page.evaluate(`window.__held = new Promise((resolve) => {
    let shownAt;
    const list = document.getElementById('claimable');
    const observer = new MutationObserver(() => {
      const row = list.querySelector('li[data-task-id="${taskId}"]');
      if (shownAt === undefined && row?.querySelector('.outcome[data-state="${state}"]')) shownAt = performance.now();
      if (shownAt !== undefined && !row) {
        observer.disconnect();
        resolve(performance.now() - shownAt);
      }
    });
    observer.observe(list, { childList: true, subtree: true });
  }); undefined`);

test.each([360, 1280])(
  'at %i px, Claim on the last of 30 tasks shows the outcome in the row pressed, on screen and announced: a win, then a loss to a faster operator, whose row stays about 4 s',
  async (width) => {
    const floor = await department();
    const me = await operator([floor.id]);
    const rival = await operator([floor.id], { username: `demo-zhang.min.${width}` });
    const made = await tasks(floor.id, Array.from({ length: 30 }, (_, i) => `Station ${String(i + 1).padStart(2, '0')}: fit the panel`));
    const { page, errors } = await openConsole({ width, height: width === 360 ? 740 : 800 });
    await signIn(page, me.token);
    await expectLive(page);
    await expectCount(page.locator('#claimable li.task'), 30);

    // A win: the row pressed says so, where the operator is looking.
    const won = made[29];
    await taskRow(page, won.id).getByRole('button').click();
    const wonOutcome = taskRow(page, won.id).locator('.outcome');
    await expectAttribute(wonOutcome, 'data-state', 'succeeded', 20_000);
    await expectText(wonOutcome, 'Task claimed successfully.');
    await expectInViewport(page, wonOutcome);
    await expectText(page.locator('#announcer'), `${won.work_content}: Claimed. Task claimed successfully.`);
    await expectAttribute(page.locator('#announcer'), 'aria-live', 'polite');
    // then it leaves the list for my active tasks
    await expectCount(taskRow(page, won.id), 0);
    await expectContains(page.locator('#mine'), won.work_content);

    // A loss made real: the rival's claim is accepted first (the workers held), mine second.
    const lost = made[28];
    await heldMs(page, lost.id, 'rejected');
    const rivalClaim = await whilePaused(env, async () => {
      const claim = await createTaskclaimClient({ baseUrl: env.baseUrl, token: rival.token }).claimTask(lost.id);
      await taskRow(page, lost.id).getByRole('button').click();
      await expectAttribute(claimEntry(page, lost.id), 'data-state', 'queued');
      await expectText(taskRow(page, lost.id).locator('.outcome'), 'Queued — waiting for the decision…');
      return claim;
    });
    const lostOutcome = taskRow(page, lost.id).locator('.outcome');
    await expectAttribute(lostOutcome, 'data-state', 'rejected', 20_000);
    await expectText(lostOutcome, `This task has already been claimed by ${rival.username}.`);
    await expectInViewport(page, lostOutcome);
    await expectText(page.locator('#announcer'), `${lost.work_content}: Rejected. This task has already been claimed by ${rival.username}.`);
    expect(await createTaskclaimClient({ baseUrl: env.baseUrl, token: rival.token }).getClaim(rivalClaim.claim_id)).toMatchObject({ status: 'succeeded' });
    // The lost row stays long enough to read, then leaves.
    expect(await page.evaluate('window.__held')).toBeGreaterThanOrEqual(3_500);
    await expectCount(page.locator('#claimable li.task'), 28);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(width);
    expectNoConsoleErrors(errors);
  },
);

test.each([360, 1280])('at %i px, a Claim tapped at the bottom edge of the screen (taking no focus): the outcome that grows below it is scrolled into view', async (width) => {
  const floor = await department();
  const me = await operator([floor.id]);
  const made = await tasks(floor.id, Array.from({ length: 12 }, (_, i) => `Bay ${String(i + 1).padStart(2, '0')}: check the rivets`));
  const height = width === 360 ? 740 : 800;
  const { page, errors } = await openConsole({ width, height });
  await signIn(page, me.token);
  await expectCount(page.locator('#claimable li.task'), 12);
  // the row's Claim button ends a pixel above the screen's bottom edge, and is pressed as a tap in Safari
  // is, without taking focus: no focus moves to the outcome, so no focus scrolls it into view either
  const target = made[6];
  const button = taskRow(page, target.id).getByRole('button');
  const box = (await button.boundingBox({ timeout: 1_000 }))!;
  await page.evaluate(`window.scrollBy(0, ${box.y + box.height + 1 - height})`);
  await button.dispatchEvent('click');
  const outcome = taskRow(page, target.id).locator('.outcome');
  await expectAttribute(outcome, 'data-state', 'succeeded', 20_000);
  await expectText(outcome, 'Task claimed successfully.');
  await expectInViewport(page, outcome);
  expectNoConsoleErrors(errors);
});

test('each task shows its priority (urgent ones marked), its due time (overdue marked) and its skills, most urgent first; in Chinese too', async () => {
  const floor = await department();
  const me = await operator([floor.id], { skills: ['welding'] });
  const hour = 3_600_000;
  const [routine, urgent, overdue, welding] = await tasks(
    floor.id,
    ['Sweep the bay', 'Rush order: weld the frame', 'Replace the belt', 'Weld the bracket', 'Lift the press (crane)'],
    [{}, { priority: 90, due_at: new Date(Date.now() + hour).toISOString() }, { priority: 60, due_at: new Date(Date.now() - hour).toISOString() }, { required_skills: ['welding'] }, { required_skills: ['crane'] }],
  );
  const { page, errors } = await openConsole({ width: 360, height: 740 });
  await signIn(page, me.token);
  // dispatch order; the crane task is not for me
  expect(await page.locator('#claimable li.task .title').allTextContents()).toEqual([urgent, overdue, routine, welding].map((task) => task.work_content));
  await expectContains(page.locator('#claimable-summary'), '4 to claim, most urgent first');

  await expectAttribute(taskRow(page, urgent.id), 'class', 'task urgent');
  await expectText(taskRow(page, urgent.id).locator('.fact.priority'), 'Urgent · priority 90');
  await expectText(taskRow(page, urgent.id).locator('.fact.due'), /^Due \d{1,2}:\d{2}/);
  await expectAttribute(taskRow(page, urgent.id).locator('.fact.due'), 'class', 'fact due');
  await expectAttribute(taskRow(page, routine.id), 'class', 'task');
  await expectText(taskRow(page, routine.id).locator('.fact.priority'), 'Priority 50');
  await expectCount(taskRow(page, routine.id).locator('.fact.due'), 0);
  await expectText(taskRow(page, overdue.id).locator('.fact.due'), /^Overdue · was due /);
  await expectAttribute(taskRow(page, overdue.id).locator('.fact.due'), 'class', 'fact due overdue');
  await expectText(taskRow(page, welding.id).locator('.fact.skills'), 'Skills: welding');
  expect(await scrollWidth(page)).toBeLessThanOrEqual(360);

  await page.getByLabel('Language').selectOption('zh');
  await expectText(taskRow(page, urgent.id).locator('.fact.priority'), '紧急 · 优先级 90');
  await expectText(taskRow(page, overdue.id).locator('.fact.due'), /^已逾期 · 截止 /);
  await expectText(taskRow(page, welding.id).locator('.fact.skills'), '所需技能：welding');
  await expectContains(page.locator('#claimable-summary'), '最紧急的在前');
  expectNoConsoleErrors(errors);
});

test('Start on my own task: its lease counts down until I start it; started, it has no lease, no Start and no Release', async () => {
  const floor = await department(undefined, 600);
  const me = await operator([floor.id]);
  const [task] = await tasks(floor.id, ['Machine the shaft']);
  await createTaskclaimClient({ baseUrl: env.baseUrl, token: me.token }).claimTask(task.id, { wait: 20 });
  const { page, errors } = await openConsole({ width: 360, height: 740 });
  await signIn(page, me.token);
  const row = page.locator(`#mine li[data-task-id="${task.id}"]`);
  const lease = row.locator('.fact.lease');
  await expectText(lease, /^Lease: (10:00|9:[0-5]\d) left$/);
  const shown = await textOf(lease);
  await soon(async () => expect(await textOf(lease)).not.toBe(shown));

  const start = page.getByRole('button', { name: `Start ${task.work_content}` });
  const entry = page.locator(`#claims li[data-action="start"][data-task-id="${task.id}"]`);
  await pressWhileQueued(start, entry, 'Starting…', page.locator('#claims li[data-action="start"]'));
  await expectAttribute(entry, 'data-state', 'succeeded', 20_000);
  await expectText(entry.locator('.badge'), 'Started');
  await expectText(row.locator('.outcome'), 'Work on the task has started.');
  await expectContains(row.locator('.meta'), 'In progress');
  await expectCount(lease, 0);
  await expectCount(row.locator('button'), 0);
  expect(await env.db('work_order_tasks').where({ id: task.id }).first('status', 'lease_expires_at')).toEqual({ status: 'in_progress', lease_expires_at: null });
  expect(await scrollWidth(page)).toBeLessThanOrEqual(360);
  expectNoConsoleErrors(errors);
});

test('End shift asks first, then gives back every pending task of mine in one request; a started one stays mine; each release shows', async () => {
  const floor = await department();
  const me = await operator([floor.id]);
  const [first, second, { id: startedId, ...started }] = await tasks(floor.id, ['Clean the lathe', 'Oil the chain', 'Grind the blade']);
  const mine = createTaskclaimClient({ baseUrl: env.baseUrl, token: me.token });
  for (const task of [first, second]) await mine.claimTask(task.id, { wait: 20 });
  await admin.upsertTask(startedId, { ...started, status: 'in_progress', assigned_operator_id: me.id });
  const { page, errors, requests } = await openConsole();
  await signIn(page, me.token);
  await expectText(page.locator('#mine-count'), '3 of 10');

  // Asked, then cancelled: nothing is sent.
  await page.getByRole('button', { name: 'End shift' }).click();
  await expectText(page.locator('#end-shift-question'), 'Release your 2 pending tasks so others can take them? Tasks you have started stay yours.');
  await expectFocused(page.getByRole('button', { name: 'Release them' }));
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expectHidden(page.locator('#end-shift-confirm'));
  await expectFocused(page.getByRole('button', { name: 'End shift' }));

  await page.getByRole('button', { name: 'End shift' }).click();
  await page.getByRole('button', { name: 'Release them' }).click();
  await expectText(page.locator(`#mine li[data-task-id="${first.id}"] .outcome`), 'Task released.');
  await expectText(page.locator('#end-shift-outcome'), 'Shift ended: 2 of 2 tasks released.');
  expect(requests.filter((request) => request === 'POST /api/workorder-tasks/release-mine/')).toHaveLength(1);
  await expectCount(page.locator('#claims li[data-action="release"][data-state="succeeded"]'), 2);
  await expectText(page.locator('#mine-count'), '1 of 10');
  for (const task of [first, second]) await expectCount(taskRow(page, task.id), 1);
  await expectContains(page.locator('#mine'), started.work_content);
  await expectHidden(page.getByRole('button', { name: 'End shift' }));
  const held = await env.db('work_order_tasks').whereIn('id', [first.id, second.id, startedId]).orderBy('id').pluck('assigned_operator_id');
  expect(held.map((id) => (id === null ? null : Number(id)))).toEqual([null, null, me.id]);
  expectNoConsoleErrors(errors);
});

test('live: a lease that runs out takes the task out of My tasks and lists it as claimable again; a supervisor’s reassign takes one away; no reload', async () => {
  const floor = await department(undefined, 5);
  const me = await operator([floor.id]);
  const colleague = await operator([floor.id]);
  const [lapsing, moved] = await tasks(floor.id, ['Inspect the welds', 'Paint the guard']);
  const { page, errors } = await openConsole();
  await signIn(page, me.token);
  await expectLive(page);
  // Claimed elsewhere (another tab): the console learns it from the stream.
  await createTaskclaimClient({ baseUrl: env.baseUrl, token: me.token }).claimTask(lapsing.id, { wait: 20 });
  const row = page.locator(`#mine li[data-task-id="${lapsing.id}"]`);
  await expectText(row.locator('.fact.lease'), /^Lease: 0:0\d left$/);

  // The expiry is decided for me and told on the stream: it shows in place, then the task is claimable again.
  const expiry = page.locator('#claims li[data-action="expire"]');
  await expectAttribute(expiry, 'data-state', 'succeeded', 30_000);
  await expectText(expiry.locator('.badge'), 'Lease ran out');
  await expectText(expiry.locator('.detail'), 'The claim lease ran out: the task went back to the pool.');
  await expectText(page.locator('#announcer'), `${lapsing.work_content}: Lease ran out. The claim lease ran out: the task went back to the pool.`);
  await expectCount(row, 0);
  await expectCount(taskRow(page, lapsing.id), 1);
  await expectText(page.locator('#mine-count'), '0 of 10');

  // A supervisor gives my task to a colleague: it leaves My tasks, and is not claimable.
  await createTaskclaimClient({ baseUrl: env.baseUrl, token: me.token }).claimTask(moved.id, { wait: 20 });
  await expectContains(page.locator('#mine'), moved.work_content);
  const reassigned = await env.http('POST', `/api/workorder-tasks/${moved.id}/reassign/`, { token: ADMIN_TOKEN, body: { operator_id: colleague.id }, headers: { prefer: 'wait=20' } });
  expect(reassigned.body).toMatchObject({ status: 'succeeded' });
  await expectCount(page.locator(`#mine li[data-task-id="${moved.id}"]`), 0);
  await expectText(page.locator('#announcer'), `${moved.work_content}: a supervisor gave this task to another operator.`);
  await expectCount(taskRow(page, moved.id), 0);
  expectNoConsoleErrors(errors);
});

test('Mark as read: the unread count falls; a notification’s body does not repeat its title', async () => {
  const floor = await department();
  const me = await operator([floor.id]);
  const made = await tasks(floor.id, ['Calibrate the torque wrench', 'Check the weld seams']);
  const mine = createTaskclaimClient({ baseUrl: env.baseUrl, token: me.token });
  for (const task of made) await mine.claimTask(task.id, { wait: 20, notes: task === made[1] ? 'use the new gauge' : undefined });
  const { page, errors, requests } = await openConsole();
  await signIn(page, me.token);
  await expectText(page.locator('#unread'), '2 unread');
  const newest = page.locator('#notifications li').first();
  await expectText(newest.locator('.title'), `Task claimed: ${made[1].work_content}`);
  await expectText(newest.locator('.detail'), `Work order: ${made[1].work_order.order_number}. Notes: use the new gauge`);
  await expectAttribute(newest, 'class', 'notification unread');

  await page.getByRole('button', { name: 'Mark all notifications as read' }).click();
  await expectHidden(page.locator('#unread'));
  await expectHidden(page.locator('#mark-read'));
  await expectAttribute(newest, 'class', 'notification');
  expect(requests).toContain('POST /api/notifications/read');
  const unread = await env.db('notifications').where({ operator_id: me.id }).whereNull('read_at').count({ count: '*' });
  expect(Number(unread[0].count)).toBe(0);
  expectNoConsoleErrors(errors);
});

test('Claim next takes the oldest of equally urgent tasks for me; with none left it says so', async () => {
  const floor = await department();
  const me = await operator([floor.id]);
  const [oldest, newer] = await tasks(floor.id, ['Sweep the bay', 'Stack the pallets']);
  const { page, errors } = await openConsole();
  await signIn(page, me.token);
  await expectText(page.locator('#claim-next-help'), 'The system picks the most urgent task you may claim, one nobody else is getting.');

  const claimNext = page.locator('#claim-next');
  await pressWhileQueued(claimNext, nextEntry(page), 'Claiming next…', page.locator('#claims li[data-action="claim_next"]'));
  for (const task of [oldest, newer]) {
    if (task !== oldest) await claimNext.click();
    const entry = page.locator(`#claims li[data-action="claim_next"][data-task-id="${task.id}"]`);
    await expectAttribute(entry, 'data-state', 'succeeded', 20_000);
    await expectText(entry.locator('.title'), task.work_content);
    await expectText(entry.locator('.badge'), 'Claimed');
    await expectText(entry.locator('.detail'), 'Task claimed successfully.');
    // and beside the button pressed
    await expectText(page.locator('#claim-next-outcome'), `${task.work_content}: Task claimed successfully.`);
    await expectCount(taskRow(page, task.id), 0);
  }
  await expectText(page.locator('#mine-count'), '2 of 10');

  await claimNext.click();
  const none = nextEntry(page);
  await expectAttribute(none, 'data-state', 'rejected', 20_000);
  await expectAttribute(none, 'data-code', 'no_claimable_task');
  await expectText(none.locator('.title'), 'Next task');
  await expectText(none.locator('.detail'), 'There is no task left to claim in your departments right now.');
  await expectText(page.locator('#claim-next-outcome'), 'There is no task left to claim in your departments right now.');
  await expectAttribute(page.locator('#claim-next-outcome'), 'data-state', 'rejected');
  await expectText(page.locator('#announcer'), 'Next task: Rejected. There is no task left to claim in your departments right now.');
  expectNoConsoleErrors(errors);
});

test('the new words in Simplified Chinese: live, Claim next, Start, End shift, Release, and their outcomes read again in Chinese', async () => {
  const floor = await department('总装');
  const me = await operator([floor.id]);
  const [task] = await tasks(floor.id, ['安装变速箱', '拧紧壳体螺栓至 45 N·m', '连接控制面板线路']);
  const { page, errors } = await openConsole({ locale: 'zh-CN' });
  await signIn(page, me.token);
  await expectLive(page, '实时');
  await expectText(page.locator('#claim-next-help'), '系统为您挑选最紧急的、无人正在认领的任务。');

  await page.getByRole('button', { name: '认领下一个' }).click();
  const claimed = nextEntry(page);
  await expectAttribute(claimed, 'data-state', 'succeeded', 20_000);
  await expectText(claimed.locator('.badge'), '认领成功');
  // the stream's claim is in English: read again in Chinese
  await expectText(claimed.locator('.detail'), '任务认领成功');
  await expectContains(claimed.locator('.meta'), '认领下一个 · 施工单');
  await expectText(page.locator('#claim-next-outcome'), `${task.work_content}：任务认领成功`);
  await expectText(page.locator('#announcer'), `${task.work_content}：认领成功。任务认领成功`);
  await expectVisible(page.getByRole('button', { name: `开始 ${task.work_content}` }));
  await page.getByRole('button', { name: '结束班次' }).click();
  await expectText(page.locator('#end-shift-question'), '释放您的 1 个待处理任务，让其他人可以认领？已开始的任务仍归您。');
  await expectVisible(page.getByRole('button', { name: '确认释放' }));
  await page.getByRole('button', { name: '取消' }).click();
  await expectHidden(page.locator('#end-shift-confirm'));

  await page.getByRole('button', { name: `释放 ${task.work_content}` }).click();
  const released = page.locator(`#claims li[data-action="release"][data-task-id="${task.id}"]`);
  await expectAttribute(released, 'data-state', 'succeeded', 20_000);
  await expectText(released.locator('.badge'), '已释放');
  await expectText(released.locator('.detail'), '任务已释放');
  await expectCount(taskRow(page, task.id), 1);

  await expectText(page.locator('#unread'), '2 未读');
  await page.mouse.move(0, 0);
  // docs/console-zh-CN.png: real glyphs where CI installs fonts-noto-cjk
  await page.screenshot({ path: screenshotPath('console-zh-CN.png'), fullPage: true });
  await page.getByRole('button', { name: '将全部通知标为已读' }).click();
  await expectHidden(page.locator('#unread'));
  expectNoConsoleErrors(errors);
});

test('screenshots at 360 px and 1280 px (docs/console-360.png, docs/console-1280.png)', async () => {
  const assembly = await department('Assembly line 2', 1800);
  const me = await operator([assembly.id], { username: 'li.wei', first: 'Wei', last: 'Li', maxActiveTasks: 5, skills: ['hydraulics'] });
  const rival = await operator([assembly.id], { username: 'ana.garcia', first: 'Ana', last: 'Garcia' });
  const hour = 3_600_000;
  const made = await tasks(
    assembly.id,
    [
      'Mount the gearbox',
      'Torque the housing bolts to 45 N·m',
      'Wire the control panel',
      'Fit the hydraulic pump',
      'Check the brake lines for leaks',
      'Align the drive shaft',
      'Install the cab door seals',
    ],
    [
      { priority: 90, due_at: new Date(Date.now() + 2 * hour).toISOString() },
      {},
      { priority: 70, due_at: new Date(Date.now() - hour).toISOString() },
      { required_skills: ['hydraulics'] },
      { priority: 85 },
      {},
      { due_at: new Date(Date.now() + 26 * hour).toISOString() },
    ],
  );

  for (const width of [1280, 360]) {
    const { page, errors } = await openConsole({ width, height: width === 360 ? 760 : 820 });
    await signIn(page, me.token);
    if (width === 1280) {
      // One claim won, one lost to a colleague: the page as it looks mid-shift.
      await claimFromList(page, made[0].id);
      await outcome(page, made[0].id, 'succeeded');
      const { id, ...contended } = made[1];
      await admin.upsertTask(id, { ...contended, assigned_operator_id: rival.id });
      await claimFromList(page, made[1].id);
      await outcome(page, made[1].id, 'rejected');
      // and one the system picked
      await page.getByRole('button', { name: 'Claim next' }).click();
      await expectAttribute(nextEntry(page), 'data-state', 'succeeded', 20_000);
      await settled(page);
    } else {
      // made[4], the most urgent left, went to the claim-next
      await claimFromList(page, made[3].id);
      await outcome(page, made[3].id, 'succeeded');
    }
    await expectLive(page);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: screenshotPath(`console-${width}.png`), fullPage: true });
    expect(await scrollWidth(page)).toBeLessThanOrEqual(width);
    expectNoConsoleErrors(errors);
  }
});
