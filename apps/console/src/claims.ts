import { ClaimRejectedError, ClaimWaitTimeoutError, TaskclaimApiError, type Claim, type ClaimTaskOptions, type Task, type TaskclaimClient } from '@taskclaim/client';
import { isAbort, retryFor, sleep } from './backoff';
import type { Lang } from './i18n';
import type { ClaimDecisions } from './live';

export type ClaimState = 'sending' | 'queued' | 'succeeded' | 'rejected' | 'failed' | 'error';
export type ClaimAction = Claim['action'];

/** One click on Claim, Release or Claim next, from sending to its outcome. */
export interface ClaimEntry {
  /** also the `Idempotency-Key`: a retried submission is the same request, never a second one */
  key: string;
  action: ClaimAction;
  /** a claim-next names its task only once decided (and not at all when rejected) */
  taskId?: number;
  title?: string;
  orderNumber?: string;
  state: ClaimState;
  claimId?: number;
  /** SPEC §3 rejection code, or the API's error code */
  code?: string;
  /** the API's sentence for the outcome, in `detailLang` */
  detail?: string;
  detailLang?: Lang;
  /** a console message key shown instead of `detail` (no answer from the server at all) */
  messageKey?: 'networkError';
  /** set while a busy or unreachable server is being retried */
  retryInSeconds?: number;
  /** when the console showed the outcome (Date.now()): the pressed row keeps it in place a while */
  decidedAt?: number;
}

export interface ClaimDeps {
  /** the client in the current language */
  client(): TaskclaimClient;
  /** the live stream: decisions come from it while it is up, from long-polls while it is down */
  live: ClaimDecisions;
  lang(): Lang;
  /** the entry changed (undefined: an End shift did): show it */
  changed(entry: ClaimEntry | undefined): void;
  /** 401/403: the token no longer works */
  signedOut(error: TaskclaimApiError): void;
  signal: AbortSignal;
}

const TERMINAL = new Set<Claim['status']>(['succeeded', 'rejected', 'failed']);
/** Submissions are retried for about two minutes (1 s, 2 s, 4 s … and never sooner than Retry-After). */
const SUBMIT_ATTEMPTS = 8;
const WAIT_TIMEOUT_MS = 120_000;
/** With the stream up, a claim not decided after this long is read once: its event may have been lost. */
const UNHEARD_MS = 30_000;

/** 128 random bits as a UUID-shaped key; `crypto.randomUUID` exists only on https pages, a LAN console may be plain http. */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A claim or release of `task`, or (no task) a claim-next. */
export function newClaimEntry(action: ClaimAction, task?: Task): ClaimEntry {
  const entry: ClaimEntry = { key: newIdempotencyKey(), action, state: 'sending' };
  if (task) setTask(entry, task);
  return entry;
}

/** A request decided without a press here (a lease that ran out), as the stream told it. */
export function decidedEntry(claim: Claim, lang: Lang, task?: Task): ClaimEntry {
  const entry = newClaimEntry(claim.action, task);
  record(entry, claim, lang);
  return entry;
}

/**
 * Submits the request (202, queued) and waits for its decision: from the live stream's `claim.decided`
 * while it is up, else by long-polling it (SDK `waitForClaim`: `Prefer: wait`, Retry-After honoured).
 * The submission answers at once, so the queued state shows while the request waits its turn. Never throws.
 */
export async function runClaim(entry: ClaimEntry, deps: ClaimDeps): Promise<void> {
  try {
    // Only a stream open since before the request was sent is sure to bring its decision.
    const sentOn = deps.live.connection();
    await follow(entry, await submit(entry, deps), sentOn, deps);
  } catch (error) {
    if (deps.signal.aborted || isAbort(error)) return;
    fail(entry, error, deps);
  }
}

/** One press of End shift, from sending to the release of each pending task. */
export interface ShiftEnd {
  /** also the `Idempotency-Key`: a retried submission releases nothing twice */
  key: string;
  state: 'sending' | 'sent' | 'error';
  /** one release per pending task, once the API answered */
  releases: ClaimEntry[];
  retryInSeconds?: number;
  /** why it was not sent */
  detail?: string;
  messageKey?: 'networkError';
}

/**
 * Shift handover (POST …/release-mine/): the API makes one release request per pending task; each
 * becomes an entry (`started`) followed to its decision like a release pressed by hand. Never throws.
 */
export async function runEndShift(shift: ShiftEnd, deps: ClaimDeps & { started(releases: ClaimEntry[]): void; taskOf(taskId: number): Task | undefined }): Promise<void> {
  try {
    const sentOn = deps.live.connection();
    const answer = await withRetries(() => deps.client().releaseMine({ idempotencyKey: shift.key, signal: deps.signal }), (seconds) => {
      shift.retryInSeconds = seconds;
      deps.changed(undefined);
    }, deps.signal);
    shift.releases = answer.results.map((claim) => newClaimEntry('release', claim.task_id === null ? undefined : deps.taskOf(claim.task_id)));
    shift.state = 'sent';
    deps.started(shift.releases);
    await Promise.all(
      shift.releases.map((entry, index) =>
        follow(entry, answer.results[index], sentOn, deps).catch((error: unknown) => {
          if (!deps.signal.aborted && !isAbort(error)) fail(entry, error, deps);
        }),
      ),
    );
  } catch (error) {
    if (deps.signal.aborted || isAbort(error)) return;
    if (error instanceof TaskclaimApiError) {
      if (error.status === 401 || error.status === 403) deps.signedOut(error);
      Object.assign(shift, { state: 'error', detail: error.code === 'http_error' ? `HTTP ${error.status}` : error.detail });
    } else {
      Object.assign(shift, { state: 'error', messageKey: 'networkError' });
    }
    deps.changed(undefined);
  }
}

/** Shows a submitted request as queued until it is decided, then its outcome in the language chosen. */
async function follow(entry: ClaimEntry, submitted: Claim, sentOn: number | undefined, deps: ClaimDeps): Promise<void> {
  record(entry, submitted, deps.lang());
  if (!TERMINAL.has(submitted.status)) {
    entry.state = 'queued';
    deps.changed(entry);
    await waitForOutcome(entry, submitted.claim_id, sentOn, deps);
  }
  if (entry.detailLang !== deps.lang()) await relocalize(entry, deps);
  deps.changed(entry);
}

/** Reads a decided claim again so its sentence is in the language now chosen. */
export async function relocalize(entry: ClaimEntry, deps: Pick<ClaimDeps, 'client' | 'lang' | 'signal'>): Promise<void> {
  if (entry.claimId === undefined || !['succeeded', 'rejected', 'failed'].includes(entry.state)) return;
  const lang = deps.lang();
  try {
    const claim = await deps.client().getClaim(entry.claimId, { signal: deps.signal });
    entry.detail = claim.detail;
    entry.detailLang = lang;
  } catch {
    // Keeps the sentence in the other language; the next switch tries again.
  }
}

async function submit(entry: ClaimEntry, deps: ClaimDeps): Promise<Claim> {
  const waiting = (seconds: number | undefined) => {
    entry.retryInSeconds = seconds;
    if (seconds !== undefined) deps.changed(entry);
  };
  try {
    return await withRetries(() => send(deps.client(), entry, { idempotencyKey: entry.key, signal: deps.signal }), waiting, deps.signal);
  } catch (error) {
    // With CLAIM_DISPATCH=inline the submission itself answers with the outcome.
    if (error instanceof ClaimRejectedError) return error.claim;
    throw error;
  }
}

/**
 * Sends until answered: a 429, 503 or lost connection is sent again (1 s, 2 s, 4 s …, never sooner than
 * Retry-After) for about two minutes; `waiting` hears each wait's seconds, then undefined once answered.
 */
async function withRetries<T>(send: () => Promise<T>, waiting: (seconds: number | undefined) => void, signal: AbortSignal): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      const answer = await send();
      waiting(undefined);
      return answer;
    } catch (error) {
      const retry = attempt + 1 < SUBMIT_ATTEMPTS ? retryFor(error, attempt, 1000) : undefined;
      if (!retry) throw error;
      waiting(Math.ceil(retry.delayMs / 1000));
      await sleep(retry.delayMs, signal);
    }
  }
}

/** The request of an entry; a claim-next is the one that names no task when sent. */
function send(client: TaskclaimClient, entry: ClaimEntry, options: ClaimTaskOptions): Promise<Claim> {
  if (entry.taskId === undefined) return client.claimNext(options);
  if (entry.action === 'release') return client.releaseTask(entry.taskId, options);
  if (entry.action === 'start') return client.startTask(entry.taskId, options);
  return client.claimTask(entry.taskId, options);
}

/** `heardOn`: the stream connection on which the decision cannot be missed (undefined: none yet). */
async function waitForOutcome(entry: ClaimEntry, claimId: number, heardOn: number | undefined, deps: ClaimDeps): Promise<void> {
  for (let attempt = 0; ; ) {
    const lang = deps.lang();
    try {
      const connection = deps.live.connection();
      if (connection !== undefined) {
        const heard = connection === heardOn ? await deps.live.decision(claimId, UNHEARD_MS, deps.signal) : undefined;
        // The stream's claim resource is in English (SPEC §4): runClaim reads it again in another language.
        if (heard) return record(entry, heard, 'en');
        // A stream that opened after the request, or went down, or a long while without word: read the
        // claim once; whatever is decided after this read comes on this connection.
        heardOn = connection;
        const claim = await deps.client().getClaim(claimId, { signal: deps.signal });
        if (TERMINAL.has(claim.status)) return record(entry, claim, lang);
        continue;
      }
      const polled = await longPoll(claimId, deps);
      if (polled) return record(entry, polled, lang);
    } catch (error) {
      if (error instanceof ClaimRejectedError) return record(entry, error.claim, lang);
      if (error instanceof TaskclaimApiError && error.code === 'claim_failed') {
        Object.assign(entry, { state: 'failed', code: error.code, detail: error.detail, detailLang: lang });
        return;
      }
      // Not decided yet (a long burst): keep waiting, the claim stays queued on the server.
      if (error instanceof ClaimWaitTimeoutError) continue;
      // waitForClaim already waits out 429 and 503; what is left is a lost connection.
      const retry = retryFor(error, attempt++, 1000);
      if (!retry) throw error;
      entry.retryInSeconds = Math.ceil(retry.delayMs / 1000);
      deps.changed(entry);
      await sleep(retry.delayMs, deps.signal);
      entry.retryInSeconds = undefined;
    }
  }
}

/** Long-polls the claim while the stream is down: its decision, or undefined when the stream came up first. */
async function longPoll(claimId: number, deps: ClaimDeps): Promise<Claim | undefined> {
  const poll = new AbortController();
  const stop = () => poll.abort();
  deps.signal.addEventListener('abort', stop, { once: true });
  deps.live.whenConnected(poll.signal).then(stop, () => undefined);
  try {
    return await deps.client().waitForClaim(claimId, { timeoutMs: WAIT_TIMEOUT_MS, signal: poll.signal });
  } catch (error) {
    if (poll.signal.aborted && !deps.signal.aborted) return undefined;
    throw error;
  } finally {
    stop();
    deps.signal.removeEventListener('abort', stop);
  }
}

function setTask(entry: ClaimEntry, task: Task): void {
  Object.assign(entry, { taskId: task.id, title: task.work_content, orderNumber: task.work_order.order_number });
}

function record(entry: ClaimEntry, claim: Claim, lang: Lang): void {
  // A claim-next learns its task from its decision.
  if (claim.task) setTask(entry, claim.task);
  entry.claimId = claim.claim_id;
  entry.state = claim.status;
  entry.code = claim.code ?? undefined;
  entry.detail = claim.detail;
  entry.detailLang = lang;
  entry.retryInSeconds = undefined;
}

function fail(entry: ClaimEntry, error: unknown, deps: ClaimDeps): void {
  entry.retryInSeconds = undefined;
  if (error instanceof TaskclaimApiError) {
    if (error.status === 401 || error.status === 403) deps.signedOut(error);
    // 404 task_not_found (SPEC §3 rule 1): the task was deleted after the list was shown.
    const state: ClaimState = error.code === 'task_not_found' ? 'rejected' : entry.claimId === undefined ? 'error' : 'failed';
    // Something in between (a proxy) may answer with a page rather than a problem: show its status only.
    const detail = error.code === 'http_error' ? `HTTP ${error.status}` : error.detail;
    Object.assign(entry, { state, code: error.code, detail, detailLang: deps.lang() });
  } else {
    Object.assign(entry, { state: 'error', messageKey: 'networkError', detail: undefined });
  }
  deps.changed(entry);
}
