import {
  TaskclaimApiError,
  createTaskclaimClient,
  type ClaimablePage,
  type LiveEvent,
  type MyTasks,
  type NotificationPage,
  type Task,
  type TaskclaimClient,
} from '@taskclaim/client';
import type { Retry } from './backoff';
import { newClaimEntry, relocalize, runClaim, type ClaimAction, type ClaimEntry, type ClaimState } from './claims';
import { byId, h, replaceItems, setText } from './dom';
import { LOCALE, initialLanguage, rememberLanguage, safeStorage, translator, type Lang, type MessageKey, type Translate } from './i18n';
import { makeLive } from './live';
import { makeRefresher } from './refresher';

/**
 * The bundle is served at <api>/console/assets/ (in development <vite>/console/src/, proxied), so the
 * API is two levels up from this module, whatever page path it was loaded on; a path prefix in front is kept.
 */
const API_BASE = new URL(/* @vite-ignore */ '../../', import.meta.url).href;
const TOKEN_KEY = 'taskclaim.console.token';
const PAGE_SIZE = 20;
const NOTIFICATIONS_SHOWN = 5;
const CLAIMS_KEPT = 10;
/** A gentle interval: a shift of operators refreshing must not add up to a burst of its own. */
const REFRESH_MS = 20_000;

interface State {
  lang: Lang;
  t: Translate;
  token?: string;
  client?: TaskclaimClient;
  /** aborted on sign-out: every request and wait of the session stops */
  session?: AbortController;
  page: number;
  claimable?: ClaimablePage;
  mine?: MyTasks;
  notifications?: NotificationPage;
  updatedAt?: Date;
  operatorName?: string;
  /** newest first */
  claims: ClaimEntry[];
  /** the live stream is up: claims of others leave the list as they are decided */
  live: boolean;
  /** tasks the stream said were claimed → the event's number (`eventCount` then), until a list read after it */
  claimedAt: Map<number, number>;
  eventCount: number;
}

const state: State = { lang: initialLanguage(), t: translator('en'), page: 1, claims: [], live: false, claimedAt: new Map(), eventCount: 0 };
state.t = translator(state.lang);

const clientFor = (token: string, lang: Lang) => createTaskclaimClient({ baseUrl: API_BASE, token, language: LOCALE[lang] });

// ── session ──────────────────────────────────────────────────────────────────────────────────────

const refresher = makeRefresher({
  intervalMs: REFRESH_MS,
  backoffMs: 5_000,
  load: loadAll,
  onRetry: showNotice,
  onError(error) {
    if (!endSessionOn(error)) showNotice(undefined, error);
  },
  onBusy(busy) {
    byId('claimable-section').setAttribute('aria-busy', String(busy));
  },
});

async function loadAll(signal: AbortSignal): Promise<void> {
  const client = state.client;
  if (!client) return;
  // A claim the stream tells of while this read is under way may be missing from what it answers.
  const heardBefore = state.eventCount;
  const [claimable, mine, notifications] = await Promise.all([
    client.getClaimableTasks({ page: state.page, pageSize: PAGE_SIZE, signal }),
    client.getMyTasks({ signal }),
    client.getNotifications({ page: 1, pageSize: NOTIFICATIONS_SHOWN, signal }),
  ]);
  state.claimable = claimable;
  // The page emptied (its tasks were claimed): show the last page that has tasks.
  if (claimable.results.length === 0 && state.page > 1) {
    state.page = Math.max(1, Math.ceil(claimable.count / PAGE_SIZE));
    state.claimable = await client.getClaimableTasks({ page: state.page, pageSize: PAGE_SIZE, signal });
  }
  for (const [taskId, heardAt] of state.claimedAt) {
    if (heardAt > heardBefore) withoutTask(taskId);
    else state.claimedAt.delete(taskId);
  }
  state.mine = mine;
  state.notifications = notifications;
  state.updatedAt = new Date();
  const me = mine.results[0]?.assigned_operator;
  if (me) state.operatorName = nameOf(me);
  render();
}

/**
 * Claims of others, and the operator's own outcomes, as they are decided. Nothing is replayed across a
 * reconnect, so every opening lists again; while the stream is down the refresher's interval and the
 * claims' long-polls stand in for it.
 */
const live = makeLive({
  onEvent,
  onOpen() {
    state.live = true;
    // The first list of a session waits for this (or for the stream's failure): read before, it could miss a claim.
    refresher.start();
    refresher.now();
    render();
  },
  onDown() {
    state.live = false;
    refresher.start();
    render();
  },
  onRefused: endSessionOn,
});

function onEvent(event: LiveEvent): void {
  if (event.event === 'task.claimed') {
    state.claimedAt.set(event.data.task_id, ++state.eventCount);
    withoutTask(event.data.task_id);
    // A page the stream emptied is filled from the next one.
    if (state.claimable?.results.length === 0 && state.claimable.count > 0) refresher.now();
    render();
  } else if (event.event === 'task.released') {
    state.claimedAt.delete(event.data.task_id);
    refresher.now();
  } else if (event.event === 'claim.decided' && event.data.status === 'succeeded' && !state.claims.some((entry) => entry.claimId === event.data.claim_id)) {
    // Decided for me but not asked for here (another tab, an integration): my tasks changed.
    refresher.now();
  }
}

/** Takes a claimed task off the page shown (and out of its count: the list it came with counted it). */
function withoutTask(taskId: number): void {
  const page = state.claimable;
  if (!page?.results.some((task) => task.id === taskId)) return;
  const count = Math.max(0, page.count - 1);
  state.claimable = { ...page, results: page.results.filter((task) => task.id !== taskId), count, claimable_count: count };
}

function startSession(token: string, client: TaskclaimClient): void {
  state.token = token;
  state.client = client;
  state.session = new AbortController();
  safeStorage(() => sessionStorage.setItem(TOKEN_KEY, token));
  render();
  live.start(client);
}

/** Forgets the token, stops every request, and shows the sign-in form (with why, when not asked for). */
function signOut(reason?: string): void {
  live.stop();
  refresher.stop();
  state.session?.abort();
  safeStorage(() => sessionStorage.removeItem(TOKEN_KEY));
  Object.assign(state, { token: undefined, client: undefined, session: undefined, claimable: undefined, mine: undefined, notifications: undefined });
  Object.assign(state, { updatedAt: undefined, operatorName: undefined, page: 1, claims: [], live: false });
  state.claimedAt.clear();
  showNotice(undefined);
  byId<HTMLInputElement>('token').value = '';
  setText(byId('sign-in-error'), reason ? state.t('sessionEnded', { reason }) : '');
  render();
  byId('token').focus();
}

/** 401/403: the token stopped working (revoked, operator deactivated). Returns whether the session ended. */
function endSessionOn(error: unknown): boolean {
  const key = authProblem(error);
  if (!key || !state.token) return false;
  signOut(state.t(key));
  return true;
}

function authProblem(error: unknown): MessageKey | undefined {
  if (!(error instanceof TaskclaimApiError)) return undefined;
  if (error.status === 401) return 'tokenUnknown';
  if (error.status === 403) return 'tokenForbidden';
  // An integration or admin token: it must name an operator, which the console does not.
  if (error.status === 400 && error.errors.some((field) => field.path.endsWith('operator_id'))) return 'notOperatorToken';
  return undefined;
}

async function onSignIn(event: Event): Promise<void> {
  event.preventDefault();
  const input = byId<HTMLInputElement>('token');
  const button = byId<HTMLButtonElement>('sign-in-button');
  const error = byId('sign-in-error');
  const token = input.value.trim();
  if (!token) {
    setText(error, state.t('tokenEmpty'));
    input.focus();
    return;
  }
  button.disabled = true;
  setText(button, state.t('signingIn'));
  setText(error, '');
  const client = clientFor(token, state.lang);
  try {
    // Proves the token and fills "my active tasks" in one request.
    state.mine = await client.getMyTasks();
    startSession(token, client);
    byId('claimable-title').focus();
  } catch (failure) {
    const key = authProblem(failure);
    setText(error, key ? state.t(key) : describe(failure));
    input.select();
  } finally {
    button.disabled = false;
    setText(button, state.t('signIn'));
  }
}

// ── claims, releases, claim-next ─────────────────────────────────────────────────────────────────

/** Sends a claim or release of `task`, or (no task) a claim-next, and follows it to its outcome. */
function request(action: ClaimAction, task?: Task): void {
  const session = state.session;
  const signedInClient = state.client;
  if (!session || !signedInClient || inFlight(action, task?.id)) return;
  const entry = newClaimEntry(action, task);
  // The newest decided claims are kept; claims still under way always are.
  let decided = 0;
  state.claims = [entry, ...state.claims].filter((kept) => !isDecided(kept) || ++decided <= CLAIMS_KEPT);
  render();
  void runClaim(entry, {
    client: () => state.client ?? signedInClient,
    live,
    lang: () => state.lang,
    changed: () => {
      if (!session.signal.aborted) render();
    },
    signedOut: (error) => endSessionOn(error),
    signal: session.signal,
  }).then(() => {
    // Decided: my tasks, my count and my notifications change (and the list, without the stream).
    if (!session.signal.aborted) refresher.now();
  });
}

const isDecided = (entry: ClaimEntry) => entry.state !== 'sending' && entry.state !== 'queued';
/** A request of this task (any action), or for a claim-next (no task) another claim-next, is under way. */
const inFlight = (action: ClaimAction, taskId?: number) =>
  state.claims.some((entry) => !isDecided(entry) && (taskId === undefined ? entry.action === action : entry.taskId === taskId));
const busyTasks = (action: ClaimAction) => new Set(state.claims.filter((entry) => entry.action === action && !isDecided(entry)).map((entry) => entry.taskId));

// ── rendering ────────────────────────────────────────────────────────────────────────────────────

function render(): void {
  const { t } = state;
  const signedIn = Boolean(state.client);
  document.documentElement.lang = LOCALE[state.lang];
  document.title = `taskclaim · ${t('appTitle')}`;
  for (const element of document.querySelectorAll<HTMLElement>('[data-i18n]')) setText(element, t(element.dataset.i18n as MessageKey));
  byId<HTMLSelectElement>('language').value = state.lang;
  byId('sign-in').hidden = signedIn;
  byId('console').hidden = !signedIn;
  byId('sign-out').hidden = !signedIn;
  document.querySelector<HTMLElement>('.skip')!.hidden = !signedIn;
  if (!signedIn) return;
  setText(byId('who'), state.operatorName ? t('signedInAs', { name: state.operatorName }) : t('signedIn'));
  renderClaims();
  renderClaimable();
  renderMine();
  renderNotifications();
}

const BADGE: Record<ClaimState, MessageKey> = {
  sending: 'claimSending',
  queued: 'claimQueued',
  succeeded: 'claimSucceeded',
  rejected: 'claimRejected',
  failed: 'claimFailed',
  error: 'claimError',
};
const badgeOf = (entry: ClaimEntry): MessageKey => (entry.action === 'release' && entry.state === 'succeeded' ? 'releaseSucceeded' : BADGE[entry.state]);
/** What a claim-next or a release was, above its work order (a claim needs no word: it is the usual). */
const ACTION_LABEL: Partial<Record<ClaimAction, MessageKey>> = { claim_next: 'claimNext', release: 'release' };

/**
 * Keyed: an entry's element is updated in place and only when it changed, so the live region
 * announces the claim that changed, not the whole list again.
 */
function renderClaims(): void {
  const { t } = state;
  const list = byId('claims');
  byId('claims-section').hidden = state.claims.length === 0;
  const existing = new Map(Array.from(list.children as HTMLCollectionOf<HTMLElement>, (item) => [item.dataset.key, item]));
  state.claims.forEach((entry, index) => {
    const signature = JSON.stringify([state.lang, entry]);
    let item = existing.get(entry.key);
    existing.delete(entry.key);
    if (!item) item = h('li', { 'data-key': entry.key });
    if (item.dataset.signature !== signature) {
      item.dataset.signature = signature;
      item.className = `claim state-${entry.state}`;
      if (entry.taskId !== undefined) item.dataset.taskId = String(entry.taskId);
      item.dataset.action = entry.action;
      item.dataset.state = entry.state;
      if (entry.code) item.dataset.code = entry.code;
      else delete item.dataset.code;
      const message =
        entry.retryInSeconds !== undefined
          ? t('claimRetrying', { seconds: entry.retryInSeconds })
          : entry.messageKey
            ? t(entry.messageKey)
            : entry.state === 'sending' || entry.state === 'queued'
              ? ''
              : (entry.detail ?? '');
      const label = ACTION_LABEL[entry.action];
      const meta = [label && t(label), entry.orderNumber && t('workOrder', { number: entry.orderNumber })].filter(Boolean).join(' · ');
      item.replaceChildren(
        h('div', { class: 'claim-head' }, h('span', { class: 'title' }, entry.title ?? t('nextTask')), h('span', { class: 'badge' }, t(badgeOf(entry)))),
        h('p', { class: 'meta' }, meta),
        ...(message ? [h('p', { class: 'detail' }, message)] : []),
      );
    }
    if (list.children[index] !== item) list.insertBefore(item, list.children[index] ?? null);
  });
  for (const gone of existing.values()) gone.remove();
}

function renderClaimable(): void {
  const { t } = state;
  const page = state.claimable;
  const pages = page ? Math.max(1, Math.ceil(page.count / PAGE_SIZE)) : 1;
  // Live, the list is current; else it is as old as its last refresh.
  const freshness = state.live ? t('live') : state.updatedAt ? t('updatedAt', { time: clock(state.updatedAt) }) : '';
  const summary = page ? [t('claimableCount', { count: page.count }), freshness] : [];
  setText(byId('claimable-summary'), summary.filter(Boolean).join(' · '));
  byId('claimable-summary').classList.toggle('live', state.live);
  const claimingNext = inFlight('claim_next');
  const next = byId('claim-next');
  setText(next, claimingNext ? t('claimingNext') : t('claimNext'));
  next.setAttribute('aria-disabled', String(claimingNext));
  const pending = busyTasks('claim');
  const signature = JSON.stringify([state.lang, page?.results, [...pending]]);
  replaceItems(byId('claimable'), signature, () => {
    if (!page) return [];
    if (page.results.length === 0) return [h('li', { class: 'empty' }, t('noClaimable'))];
    return page.results.map((task) =>
      h(
        'li',
        { class: 'task', 'data-task-id': task.id },
        h(
          'div',
          { class: 'task-text' },
          h('p', { class: 'title' }, task.work_content),
          h('p', { class: 'meta' }, [t('workOrder', { number: task.work_order.order_number }), task.assigned_department?.name, t('created', { time: when(task.created_at) })].filter(Boolean).join(' · ')),
        ),
        taskButton('claim', task, pending.has(task.id)),
      ),
    );
  });
  byId('pagination').hidden = pages <= 1;
  setText(byId('page-of'), t('pageOf', { page: state.page, pages }));
  byId<HTMLButtonElement>('previous-page').disabled = state.page <= 1;
  byId<HTMLButtonElement>('next-page').disabled = state.page >= pages;
}

function renderMine(): void {
  const { t } = state;
  const mine = state.mine;
  const count = mine ? t('mineCount', { count: mine.active_count, limit: mine.limit }) : '';
  setText(byId('mine-count'), count);
  setText(byId('summary-mine'), mine ? `${t('mine')}: ${count}` : '');
  const atLimit = Boolean(mine && mine.active_count >= mine.limit);
  byId('mine-limit').hidden = !atLimit;
  byId('summary-mine').classList.toggle('full', atLimit);
  const fill = mine && mine.limit > 0 ? Math.min(100, (100 * mine.active_count) / mine.limit) : 0;
  byId('mine-meter').querySelector('span')!.style.width = `${fill}%`;
  byId('mine-meter').classList.toggle('full', atLimit);
  const releasing = busyTasks('release');
  replaceItems(byId('mine'), JSON.stringify([state.lang, mine?.results, [...releasing]]), () => {
    if (!mine) return [];
    if (mine.results.length === 0) return [h('li', { class: 'empty' }, t('noMine'))];
    return mine.results.map((task) =>
      h(
        'li',
        { class: 'task', 'data-task-id': task.id },
        h(
          'div',
          { class: 'task-text' },
          h('p', { class: 'title' }, task.work_content),
          h('p', { class: 'meta' }, `${t('workOrder', { number: task.work_order.order_number })} · ${t(`status_${task.status}` as MessageKey)}`),
        ),
        // Only a pending task can be given back (SPEC §4): once work has started there is nothing to press.
        task.status === 'pending' && taskButton('release', task, releasing.has(task.id)),
      ),
    );
  });
}

const TASK_BUTTON = {
  claim: { className: 'primary claim-button', name: 'claimTask', idle: 'claim', busy: 'claiming' },
  release: { className: 'small release-button', name: 'releaseTask', idle: 'release', busy: 'releasing' },
} as const satisfies Record<string, { className: string; name: MessageKey; idle: MessageKey; busy: MessageKey }>;

/** A task's Claim or Release button, named after the task. */
function taskButton(action: keyof typeof TASK_BUTTON, task: Task, busy: boolean): HTMLButtonElement {
  const { t } = state;
  const { className, name, idle, busy: busyLabel } = TASK_BUTTON[action];
  return h(
    'button',
    {
      type: 'button',
      class: className,
      'data-focus': `${action}-${task.id}`,
      'aria-label': t(name, { task: task.work_content }),
      // aria-disabled, not disabled: the button keeps keyboard focus while its request is under way.
      'aria-disabled': busy ? 'true' : undefined,
      onclick: () => request(action, task),
    },
    busy ? t(busyLabel) : t(idle),
  );
}

function renderNotifications(): void {
  const { t } = state;
  const page = state.notifications;
  const unread = page?.results.filter((notification) => !notification.read_at).length ?? 0;
  const badge = byId('unread');
  badge.hidden = unread === 0;
  setText(badge, `${unread} ${t('unread')}`);
  replaceItems(byId('notifications'), JSON.stringify([state.lang, page?.results]), () => {
    if (!page) return [];
    if (page.results.length === 0) return [h('li', { class: 'empty' }, t('noNotifications'))];
    return page.results.map((notification) =>
      h(
        'li',
        { class: notification.read_at ? 'notification' : 'notification unread' },
        h('p', { class: 'title' }, notification.title),
        h('p', { class: 'detail' }, notification.content),
        h('p', { class: 'meta' }, h('time', { datetime: notification.created_at }, when(notification.created_at))),
      ),
    );
  });
}

/** The busy / offline line under the header; `undefined` clears it. */
function showNotice(retry: Retry | undefined, error?: unknown): void {
  const notice = byId('notice');
  const text = retry ? state.t(retry.kind, { seconds: Math.ceil(retry.delayMs / 1000) }) : error ? describe(error) : '';
  notice.hidden = !text;
  notice.classList.toggle('error', Boolean(error));
  setText(notice, text);
}

function describe(error: unknown): string {
  if (error instanceof TaskclaimApiError) return error.code === 'http_error' ? state.t('unexpected', { detail: `HTTP ${error.status}` }) : error.detail;
  if (error instanceof TypeError) return state.t('networkError');
  return state.t('unexpected', { detail: error instanceof Error ? error.message : String(error) });
}

const nameOf = (operator: { username: string; first_name: string; last_name: string }) => {
  const full = [operator.first_name, operator.last_name].filter(Boolean).join(' ');
  return full ? `${full} (${operator.username})` : operator.username;
};

const clock = (date: Date) => new Intl.DateTimeFormat(LOCALE[state.lang], { timeStyle: 'medium' }).format(date);

/** Today: the time; before: the date and time. */
function when(iso: string): string {
  const date = new Date(iso);
  const today = date.toDateString() === new Date().toDateString();
  return new Intl.DateTimeFormat(LOCALE[state.lang], today ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

// ── wiring ───────────────────────────────────────────────────────────────────────────────────────

function setLanguage(lang: Lang): void {
  if (lang === state.lang) return;
  state.lang = lang;
  state.t = translator(lang);
  rememberLanguage(lang);
  if (state.token) state.client = clientFor(state.token, lang);
  render();
  if (!state.client || !state.session) return;
  // The API renders outcomes and notifications in the language asked for: read them again in this one.
  const session = state.session;
  const client = state.client;
  const deps = { client: () => state.client ?? client, lang: () => state.lang, signal: session.signal };
  void Promise.all(state.claims.map((entry) => relocalize(entry, deps))).then(() => {
    if (!session.signal.aborted) render();
  });
  refresher.now(true);
}

function goToPage(page: number): void {
  state.page = page;
  refresher.now(true);
}

byId('sign-in-form').addEventListener('submit', (event) => void onSignIn(event));
byId('sign-out').addEventListener('click', () => signOut());
byId<HTMLSelectElement>('language').addEventListener('change', (event) => setLanguage((event.target as HTMLSelectElement).value as Lang));
byId('refresh').addEventListener('click', () => refresher.now(true));
byId('claim-next').addEventListener('click', () => request('claim_next'));
byId('previous-page').addEventListener('click', () => goToPage(Math.max(1, state.page - 1)));
byId('next-page').addEventListener('click', () => goToPage(state.page + 1));
byId('clear-claims').addEventListener('click', () => {
  state.claims = state.claims.filter((entry) => !isDecided(entry));
  render();
  byId('claimable-title').focus();
});

const saved = safeStorage(() => sessionStorage.getItem(TOKEN_KEY));
if (saved) startSession(saved, clientFor(saved, state.lang));
else render();
