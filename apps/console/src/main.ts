import {
  TaskclaimApiError,
  createTaskclaimClient,
  type Claim,
  type ClaimablePage,
  type LiveEvent,
  type MyTasks,
  type NotificationPage,
  type OperatorSummary,
  type Task,
  type TaskclaimClient,
} from '@taskclaim/client';
import { isAbort, type Retry } from './backoff';
import { decidedEntry, newClaimEntry, newIdempotencyKey, relocalize, runClaim, runEndShift, type ClaimAction, type ClaimDeps, type ClaimEntry, type ClaimState, type ShiftEnd } from './claims';
import { byId, h, renderKeyed, setText, type KeyedItem } from './dom';
import { LOCALE, initialLanguage, rememberLanguage, safeStorage, translator, type Lang, type MessageKey, type Translate } from './i18n';
import { makeLive } from './live';
import { makeRefresher } from './refresher';
import { dispatchFacts, formatWhen, isUrgent, updateClocks, withHeldRows } from './task-facts';

/**
 * The bundle is served at <api>/console/assets/ (in development <vite>/console/src/, proxied), so the
 * API is two levels up from this module, whatever page path it was loaded on; a path prefix in front is kept.
 */
const API_BASE = new URL(/* @vite-ignore */ '../../', import.meta.url).href;
const TOKEN_KEY = 'taskclaim.console.token';
/** A shift's list on one page: the operator scrolls rather than pages through it. */
const PAGE_SIZE = 50;
const NOTIFICATIONS_SHOWN = 5;
const CLAIMS_KEPT = 10;
/** A gentle interval: a shift of operators refreshing must not add up to a burst of its own. */
const REFRESH_MS = 20_000;
/** How long a pressed row keeps its outcome in place (and a task it lost stays listed) before the list moves on. */
const HOLD_MS = 4_000;
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
  /** the token's operator (GET /api/me), named from sign-in on */
  operator?: OperatorSummary;
  /** the rows last shown, so a row whose outcome is held stays where it was */
  claimableShown: Task[];
  mineShown: Task[];
  markingRead: boolean;
  /** End shift was pressed and waits for its confirmation */
  endShiftAsked: boolean;
  /** the last End shift */
  shiftEnd?: ShiftEnd;
  /** newest first */
  claims: ClaimEntry[];
  /** the live stream is up: claims of others leave the list as they are decided */
  live: boolean;
  /** tasks the stream said were claimed → the event's number (`eventCount` then), until a list read after it */
  claimedAt: Map<number, number>;
  eventCount: number;
}

const state: State = {
  lang: initialLanguage(),
  t: translator('en'),
  page: 1,
  claims: [],
  live: false,
  claimedAt: new Map(),
  eventCount: 0,
  claimableShown: [],
  mineShown: [],
  markingRead: false,
  endShiftAsked: false,
};
state.t = translator(state.lang);

/** Ticks while signed in: due times turn overdue and leases count down without a refresh. */
let clocks: ReturnType<typeof setInterval> | undefined;

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
  const [claimable, mine, notifications, operator] = await Promise.all([
    client.getClaimableTasks({ page: state.page, pageSize: PAGE_SIZE, signal }),
    client.getMyTasks({ signal }),
    client.getNotifications({ page: 1, pageSize: NOTIFICATIONS_SHOWN, signal }),
    // Known from sign-in; a session restored from the tab's storage learns it here.
    state.operator ?? operatorOf(client, signal),
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
  state.operator = operator;
  render();
}

/** The token's operator; an integration or admin token is refused here, as the API would refuse it later. */
async function operatorOf(client: TaskclaimClient, signal?: AbortSignal): Promise<OperatorSummary> {
  const me = await client.getMe(signal);
  if (!me.operator) throw new NotOperatorTokenError();
  return me.operator;
}

class NotOperatorTokenError extends Error {}

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
    // Mine no longer, and not by my asking: a supervisor moved it (a lapsed lease comes as its own decision below).
    const reassigned = event.data.reason === 'reassigned' && event.data.operator_id === state.operator?.id && state.mine?.results.find((task) => task.id === event.data.task_id);
    if (reassigned) setText(byId('announcer'), state.t('reassignedAway', { task: reassigned.work_content }));
    refresher.now();
  } else if (event.event === 'claim.decided' && event.data.action === 'expire' && event.data.status === 'succeeded') {
    void showLapsed(event.data);
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

function startSession(token: string, client: TaskclaimClient, operator?: OperatorSummary): void {
  state.token = token;
  state.client = client;
  state.operator = operator;
  state.session = new AbortController();
  safeStorage(() => sessionStorage.setItem(TOKEN_KEY, token));
  clocks ??= setInterval(showClocks, 1000);
  render();
  live.start(client);
}

/** Forgets the token, stops every request, and shows the sign-in form (with why, when not asked for). */
function signOut(reason?: string): void {
  live.stop();
  refresher.stop();
  clearInterval(clocks);
  clocks = undefined;
  state.session?.abort();
  safeStorage(() => sessionStorage.removeItem(TOKEN_KEY));
  Object.assign(state, { token: undefined, client: undefined, session: undefined, claimable: undefined, mine: undefined, notifications: undefined });
  Object.assign(state, { updatedAt: undefined, operator: undefined, page: 1, claims: [], live: false, claimableShown: [], mineShown: [], markingRead: false, endShiftAsked: false, shiftEnd: undefined });
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
  if (error instanceof NotOperatorTokenError) return 'notOperatorToken';
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
    // Proves the token and names its operator at once.
    startSession(token, client, await operatorOf(client));
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
  pressed.add(entry);
  addEntry(entry);
  render();
  void runClaim(entry, claimDeps(session, signedInClient)).then(() => {
    // Decided: my tasks, my count and my notifications change (and the list, without the stream).
    if (!session.signal.aborted) refresher.now();
  });
}

/** What following a request needs, for the session it was sent in. */
function claimDeps(session: AbortController, signedInClient: TaskclaimClient): ClaimDeps {
  return {
    client: () => state.client ?? signedInClient,
    live,
    lang: () => state.lang,
    changed: (entry) => {
      if (session.signal.aborted) return;
      if (entry && isDecided(entry) && entry.decidedAt === undefined) shownDecided(entry, session.signal);
      render();
      if (entry && pressed.has(entry)) revealOutcome(entry);
    },
    signedOut: (error) => endSessionOn(error),
    signal: session.signal,
  };
}

/** End shift, once confirmed: every pending task of mine given back, each followed like a Release. */
function endShift(): void {
  const session = state.session;
  const signedInClient = state.client;
  state.endShiftAsked = false;
  if (!session || !signedInClient || shiftEnding()) return render();
  const shift: ShiftEnd = { key: newIdempotencyKey(), state: 'sending', releases: [] };
  state.shiftEnd = shift;
  render();
  void runEndShift(shift, {
    ...claimDeps(session, signedInClient),
    started: (releases) => {
      for (const entry of releases) addEntry(entry);
      render();
    },
    taskOf: (taskId) => state.mine?.results.find((task) => task.id === taskId),
  }).then(() => {
    if (!session.signal.aborted) refresher.now();
  });
  byId('end-shift-outcome').focus();
}

/** An End shift is being sent, or some of its releases are not decided yet. */
const shiftEnding = (): boolean => state.shiftEnd !== undefined && (state.shiftEnd.state === 'sending' || state.shiftEnd.releases.some((entry) => !isDecided(entry)));

function askEndShift(ask: boolean): void {
  if (ask && shiftEnding()) return;
  state.endShiftAsked = ask;
  render();
  byId(ask ? 'end-shift-yes' : 'end-shift').focus();
}

/** The requests the operator pressed on this page (End shift's releases and lapsed leases are not). */
const pressed = new WeakSet<ClaimEntry>();

/**
 * The outcome a press put in its row (or under Claim next), where the screen's edge cuts it — the row
 * pressed sat at the bottom of the screen, and its outcome line grew below — is scrolled into full view.
 * A row the operator has scrolled out of sight since is left there.
 */
function revealOutcome(entry: ClaimEntry): void {
  const outcome =
    entry.action === 'claim_next' || entry.taskId === undefined
      ? byId('claim-next-outcome')
      : document.querySelector<HTMLElement>(`#claimable li[data-task-id="${entry.taskId}"] .outcome, #mine li[data-task-id="${entry.taskId}"] .outcome`);
  if (!outcome || outcome.hidden) return;
  const box = outcome.getBoundingClientRect();
  const row = (outcome.closest('li') ?? outcome).getBoundingClientRect();
  const inSight = row.bottom > 0 && row.top < window.innerHeight;
  if (inSight && (box.top < 0 || box.bottom > window.innerHeight)) outcome.scrollIntoView({ block: 'nearest' });
}

/** The newest decided entries are kept; entries still under way always are. */
function addEntry(entry: ClaimEntry): void {
  let decided = 0;
  state.claims = [entry, ...state.claims].filter((kept) => !isDecided(kept) || ++decided <= CLAIMS_KEPT);
}

/** An entry's outcome is shown from now on: said, and its row given back once the hold is over. */
function shownDecided(entry: ClaimEntry, signal: AbortSignal): void {
  entry.decidedAt = Date.now();
  announce(entry);
  setTimeout(() => {
    if (!signal.aborted) render();
  }, HOLD_MS);
}

/**
 * My lease ran out (SPEC §4 Leases): the expiry, decided for me, shows in the row of my task it takes
 * away, and among my claims, in the language chosen (the stream's claim is in English).
 */
async function showLapsed(claim: Claim): Promise<void> {
  const session = state.session;
  const client = state.client;
  if (!session || !client || state.claims.some((entry) => entry.claimId === claim.claim_id)) return;
  const entry = decidedEntry(claim, 'en', state.mine?.results.find((task) => task.id === claim.task_id));
  addEntry(entry);
  render();
  if (state.lang !== 'en') await relocalize(entry, { client: () => state.client ?? client, lang: () => state.lang, signal: session.signal });
  if (session.signal.aborted) return;
  shownDecided(entry, session.signal);
  render();
}

const isDecided = (entry: ClaimEntry) => entry.state !== 'sending' && entry.state !== 'queued';
/** A request of this task (any action), or for a claim-next (no task) another claim-next, is under way. */
const inFlight = (action: ClaimAction, taskId?: number) =>
  state.claims.some((entry) => !isDecided(entry) && (taskId === undefined ? entry.action === action : entry.taskId === taskId));
/** The newest request of `actions` for the task, while its row shows it: under way, or decided less than HOLD_MS ago. */
const heldEntry = (taskId: number, actions: readonly ClaimAction[]): ClaimEntry | undefined => {
  const entry = state.claims.find((kept) => kept.taskId === taskId && actions.includes(kept.action));
  return entry && (entry.decidedAt === undefined || Date.now() - entry.decidedAt < HOLD_MS) ? entry : undefined;
};

/** What an entry says to the operator now: its outcome, why it waits, or nothing while it is being sent. */
function messageOf(entry: ClaimEntry): string {
  const { t } = state;
  if (entry.retryInSeconds !== undefined) return t('claimRetrying', { seconds: entry.retryInSeconds });
  if (entry.messageKey) return t(entry.messageKey);
  if (entry.state === 'queued') return t('claimQueued');
  return entry.state === 'sending' ? '' : (entry.detail ?? '');
}

/** Says a decided request's outcome to a screen reader, wherever focus is. */
function announce(entry: ClaimEntry): void {
  const { t } = state;
  setText(byId('announcer'), t('announcement', { task: entry.title ?? t('nextTask'), badge: t(badgeOf(entry)), message: messageOf(entry) }));
}

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
  setText(byId('who'), state.operator ? t('signedInAs', { name: nameOf(state.operator) }) : t('signedIn'));
  renderClaims();
  renderClaimable();
  renderMine();
  renderNotifications();
  showClocks();
}

const BADGE: Record<ClaimState, MessageKey> = {
  sending: 'claimSending',
  queued: 'claimQueued',
  succeeded: 'claimSucceeded',
  rejected: 'claimRejected',
  failed: 'claimFailed',
  error: 'claimError',
};
/** A succeeded request says what it did; a claim's "Claimed" is the usual word. */
const SUCCEEDED_BADGE: Partial<Record<ClaimAction, MessageKey>> = { release: 'releaseSucceeded', start: 'startSucceeded', expire: 'leaseOver' };
function badgeOf(entry: ClaimEntry): MessageKey {
  return (entry.state === 'succeeded' && SUCCEEDED_BADGE[entry.action]) || BADGE[entry.state];
}
/** What a claim-next or a release was, above its work order (a claim needs no word: it is the usual). */
const ACTION_LABEL: Partial<Record<ClaimAction, MessageKey>> = { claim_next: 'claimNext', release: 'release', start: 'start' };

function renderClaims(): void {
  const { t } = state;
  byId('claims-section').hidden = state.claims.length === 0;
  renderKeyed(
    byId('claims'),
    state.claims.map((entry) => ({
      key: entry.key,
      signature: JSON.stringify([state.lang, entry]),
      build: () => {
        const label = ACTION_LABEL[entry.action];
        const meta = [label && t(label), entry.orderNumber && t('workOrder', { number: entry.orderNumber })].filter(Boolean).join(' · ');
        // The badge already says "queued": the sentence under it would say it again.
        const message = entry.state === 'queued' && entry.retryInSeconds === undefined ? '' : messageOf(entry);
        return h(
          'li',
          {
            class: `claim state-${entry.state}`,
            'data-task-id': entry.taskId,
            'data-action': entry.action,
            'data-state': entry.state,
            'data-code': entry.code,
          },
          h('div', { class: 'claim-head' }, h('span', { class: 'title' }, entry.title ?? t('nextTask')), h('span', { class: 'badge' }, t(badgeOf(entry)))),
          h('p', { class: 'meta' }, meta),
          message && h('p', { class: 'detail' }, message),
        );
      },
    })),
  );
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
  renderClaimNext();
  const claims = ['claim'] as const;
  const shown = page ? withHeldRows(state.claimableShown, page.results, (taskId) => heldEntry(taskId, claims) !== undefined) : [];
  state.claimableShown = shown;
  const items: KeyedItem[] = shown.map((task) =>
    taskItem(task, heldEntry(task.id, claims), ['claim'], [t('workOrder', { number: task.work_order.order_number }), task.assigned_department?.name, t('created', { time: when(task.created_at) })]),
  );
  if (page && shown.length === 0) items.push(emptyItem(t('noClaimable')));
  renderKeyed(byId('claimable'), items);
  byId('pagination').hidden = pages <= 1;
  setText(byId('page-of'), t('pageOf', { page: state.page, pages }));
  byId<HTMLButtonElement>('previous-page').disabled = state.page <= 1;
  byId<HTMLButtonElement>('next-page').disabled = state.page >= pages;
}

/** The Claim next button, and under it the outcome of its last press (the task it got, or why none). */
function renderClaimNext(): void {
  const { t } = state;
  const last = state.claims.find((entry) => entry.action === 'claim_next');
  const claimingNext = last !== undefined && !isDecided(last);
  const next = byId('claim-next');
  setText(next, claimingNext ? t('claimingNext') : t('claimNext'));
  next.setAttribute('aria-disabled', String(claimingNext));
  const outcome = byId('claim-next-outcome');
  const message = last ? messageOf(last) : '';
  outcome.hidden = !message;
  outcome.className = `outcome state-${last?.state ?? 'sending'}`;
  outcome.dataset.state = last?.state ?? '';
  setText(outcome, last?.state === 'succeeded' && last.title ? t('outcomeOf', { task: last.title, outcome: message }) : message);
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
  const mineActions = ['start', 'release', 'expire'] as const;
  const shown = mine ? withHeldRows(state.mineShown, mine.results, (taskId) => heldEntry(taskId, mineActions) !== undefined) : [];
  state.mineShown = shown;
  renderEndShift(mine?.results.filter((task) => task.status === 'pending').length ?? 0);
  const items: KeyedItem[] = shown.map((task) =>
    // Only a pending task can be started or given back (SPEC §4): once work has started there is nothing to press.
    taskItem(task, heldEntry(task.id, mineActions), task.status === 'pending' ? ['start', 'release'] : [], [
      t('workOrder', { number: task.work_order.order_number }),
      t(`status_${task.status}` as MessageKey),
    ]),
  );
  if (mine && shown.length === 0) items.push(emptyItem(t('noMine')));
  renderKeyed(byId('mine'), items);
}

/** The End shift button, its confirmation, and what the last one did. */
function renderEndShift(pending: number): void {
  const { t } = state;
  const ending = shiftEnding();
  const button = byId('end-shift');
  button.hidden = pending === 0 && !ending && !state.endShiftAsked;
  setText(button, ending ? t('endingShift') : t('endShift'));
  button.setAttribute('aria-disabled', String(ending));
  button.setAttribute('aria-expanded', String(state.endShiftAsked));
  byId('end-shift-confirm').hidden = !state.endShiftAsked;
  setText(byId('end-shift-question'), t('endShiftQuestion', { count: pending }));
  const shift = state.shiftEnd;
  const outcome = byId('end-shift-outcome');
  const message = shift ? shiftMessage(shift) : '';
  outcome.hidden = !message;
  const allReleased = shift?.releases.every((entry) => entry.state === 'succeeded');
  outcome.className = `outcome state-${shift?.state === 'error' ? 'error' : ending ? 'queued' : allReleased ? 'succeeded' : 'rejected'}`;
  setText(outcome, message);
}

function shiftMessage(shift: ShiftEnd): string {
  const { t } = state;
  if (shift.retryInSeconds !== undefined) return t('claimRetrying', { seconds: shift.retryInSeconds });
  if (shift.state === 'error') return shift.messageKey ? t(shift.messageKey) : (shift.detail ?? '');
  if (shift.state === 'sending') return '';
  const count = shift.releases.length;
  if (count === 0) return t('endShiftNone');
  if (shiftEnding()) return t('endShiftReleasing', { count });
  return t('endShiftDone', { released: shift.releases.filter((entry) => entry.state === 'succeeded').length, count });
}

const emptyItem = (text: string): KeyedItem => ({ key: 'empty', signature: JSON.stringify([state.lang, text]), build: () => h('li', { class: 'empty' }, text) });

const TASK_BUTTON = {
  claim: { className: 'primary claim-button', name: 'claimTask', idle: 'claim', busy: 'claiming' },
  start: { className: 'small primary start-button', name: 'startTask', idle: 'start', busy: 'starting' },
  release: { className: 'small release-button', name: 'releaseTask', idle: 'release', busy: 'releasing' },
} as const satisfies Record<string, { className: string; name: MessageKey; idle: MessageKey; busy: MessageKey }>;

type TaskAction = keyof typeof TASK_BUTTON;

/**
 * A task's row: its text, what dispatch knows of it, and its buttons — or, from the press until
 * HOLD_MS after the decision, that request's outcome in their place (`held`). The outcome takes the
 * pressed button's `data-focus`, so keyboard focus stays on the row the operator pressed.
 */
function taskItem(task: Task, held: ClaimEntry | undefined, actions: TaskAction[], meta: (string | undefined)[]): KeyedItem {
  const message = held ? messageOf(held) : '';
  const decided = held !== undefined && isDecided(held);
  const urgent = isUrgent(task);
  return {
    key: String(task.id),
    signature: JSON.stringify([state.lang, task, actions, held && [held.state, message]]),
    build: () =>
      h(
        'li',
        { class: urgent ? 'task urgent' : 'task', 'data-task-id': task.id },
        h(
          'div',
          { class: 'task-text' },
          h('p', { class: 'title' }, task.work_content),
          h('p', { class: 'meta' }, meta.filter(Boolean).join(' · ')),
          dispatchFacts(task, state.t),
          message &&
            h('p', { class: `outcome state-${held!.state}`, 'data-state': held!.state, tabindex: decided ? '-1' : undefined, 'data-focus': decided ? `${held!.action}-${task.id}` : undefined }, message),
        ),
        !decided && actions.length > 0 && h('div', { class: 'actions' }, ...actions.map((action) => taskButton(action, task, held !== undefined && held.action === action, held !== undefined))),
      ),
  };
}

/** A task's Claim, Start or Release button, named after the task; `blocked`: another request of the row is under way. */
function taskButton(action: TaskAction, task: Task, busy: boolean, blocked: boolean): HTMLButtonElement {
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
      'aria-disabled': blocked ? 'true' : undefined,
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
  const markRead = byId('mark-read');
  markRead.hidden = unread === 0 && !state.markingRead;
  markRead.setAttribute('aria-disabled', String(state.markingRead));
  markRead.setAttribute('aria-label', t('markReadLabel'));
  setText(markRead, state.markingRead ? t('markingRead') : t('markRead'));
  const items: KeyedItem[] = (page?.results ?? []).map((notification) => ({
    key: String(notification.id),
    signature: JSON.stringify([state.lang, notification]),
    build: () =>
      h(
        'li',
        { class: notification.read_at ? 'notification' : 'notification unread', 'data-notification-id': notification.id },
        h('p', { class: 'title' }, notification.title),
        h('p', { class: 'detail' }, notification.content),
        h('p', { class: 'meta' }, h('time', { datetime: notification.created_at }, when(notification.created_at))),
      ),
  }));
  if (page && items.length === 0) items.push(emptyItem(t('noNotifications')));
  renderKeyed(byId('notifications'), items);
}

/** Marks every notification of the operator read; the list read again shows it, and the unread count falls. */
async function markAllRead(): Promise<void> {
  const client = state.client;
  if (!client || state.markingRead) return;
  state.markingRead = true;
  render();
  try {
    await client.markNotificationsRead({ signal: state.session?.signal });
    refresher.now();
  } catch (error) {
    if (!isAbort(error) && !endSessionOn(error)) showNotice(undefined, error);
  } finally {
    state.markingRead = false;
    if (state.client === client) render();
  }
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

const nameOf = (operator: OperatorSummary) => {
  const full = [operator.first_name, operator.last_name].filter(Boolean).join(' ');
  return full ? `${full} (${operator.username})` : operator.username;
};

const showClocks = () => updateClocks(document, state.lang, state.t);
const when = (iso: string) => formatWhen(iso, state.lang);

const clock = (date: Date) => new Intl.DateTimeFormat(LOCALE[state.lang], { timeStyle: 'medium' }).format(date);

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
byId('mark-read').addEventListener('click', () => void markAllRead());
byId('end-shift').addEventListener('click', () => askEndShift(true));
byId('end-shift-yes').addEventListener('click', endShift);
byId('end-shift-no').addEventListener('click', () => askEndShift(false));
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
