import { ClaimRejectedError } from './errors/claim-rejected-error';
import { ClaimWaitTimeoutError } from './errors/claim-wait-timeout-error';
import { TaskclaimApiError } from './errors/taskclaim-api-error';
import { parseEventStream } from './event-stream';
import type {
  BulkTaskResult,
  BulkTaskUpsert,
  Claim,
  ClaimHistoryPage,
  ClaimablePage,
  Department,
  DepartmentUpsert,
  LiveEvent,
  Me,
  MyTasks,
  NotificationPage,
  NotificationsMarkedRead,
  Operator,
  OperatorUpsert,
  Problem,
  ReleaseMineResult,
  Task,
  TaskUpsert,
  TokenCreate,
  TokenCreated,
  WebhookDeliveries,
} from './types';

export interface TaskclaimClientOptions {
  /** where the API is, e.g. `https://taskclaim.example.com` (a path prefix is kept) */
  baseUrl: string;
  /** an API token: operator, integration or admin */
  token: string;
  /** defaults to the global fetch (Node 20, browsers) */
  fetch?: typeof fetch;
  /** sent as `Accept-Language`: `zh` for messages in Simplified Chinese */
  language?: string;
}

export interface ClaimTaskOptions {
  notes?: string;
  /** sent as `Idempotency-Key`: a retry with the same key and body returns the original claim */
  idempotencyKey?: string;
  /** seconds (0 to 30) the server may hold the request to answer with the outcome (`Prefer: wait=N`) */
  wait?: number;
  /** integration and admin tokens: the operator to claim for */
  operatorId?: number;
  /** integration and admin tokens: where the outcome is POSTed as a signed webhook */
  callbackUrl?: string;
  signal?: AbortSignal;
}

export interface ClaimNextOptions extends ClaimTaskOptions {
  /** pick only from this department (one of the operator's) */
  departmentId?: number;
}

export interface SubscribeOptions {
  /** ends the stream (the iteration then ends) */
  signal?: AbortSignal;
  /** the server has accepted the stream: no event decided from now on is missed (list again for what came before) */
  onOpen?(): void;
  /** a comment line, e.g. the server's keep-alive: the connection is alive, though idle */
  onComment?(text: string): void;
}

export interface PageOptions {
  page?: number;
  pageSize?: number;
  /** integration and admin tokens: the operator to act for */
  operatorId?: number;
  signal?: AbortSignal;
}

export interface WaitForClaimOptions {
  /** give up (ClaimWaitTimeoutError) after this long; default 60 s */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The longest `Prefer: wait` the API honours (SPEC §4). */
const MAX_WAIT_SECONDS = 30;
const TERMINAL: ReadonlySet<Claim['status']> = new Set(['succeeded', 'rejected', 'failed']);
/** How long past its `Prefer: wait` a long-poll may take before it counts as lost. */
const LONG_POLL_GRACE_MS = 10_000;
const MAX_BACKOFF_MS = 10_000;

interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  headers?: Record<string, string | undefined>;
  signal?: AbortSignal;
}

export type TaskclaimClient = ReturnType<typeof createTaskclaimClient>;

/**
 * A typed client of the taskclaim API, on fetch only (Node 20 and browsers).
 * Errors: a claim rejected by a rule throws `ClaimRejectedError`; any other error answer throws
 * `TaskclaimApiError` (status, code, detail, errors).
 */
export function createTaskclaimClient(options: TaskclaimClientOptions) {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  // Called through a function so a browser's fetch is never invoked with another `this`.
  const doFetch: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  async function request<T>(method: string, path: string, request: RequestOptions = {}): Promise<{ status: number; body: T }> {
    const url = new URL(baseUrl + path);
    for (const [name, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${options.token}` };
    if (options.language) headers['accept-language'] = options.language;
    for (const [name, value] of Object.entries(request.headers ?? {})) if (value !== undefined) headers[name] = value;
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    const response = await doFetch(url, {
      method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: request.signal,
    });
    const body = await readBody(response);
    if (!response.ok) throw toError(response, body);
    return { status: response.status, body: body as T };
  }

  /** Sends a claim request (claim, release, claim-next, start, reassign, release-mine): its body and headers are the same. */
  async function submit<T = Claim>(path: string, claim: ClaimNextOptions): Promise<T> {
    const body = { notes: claim.notes, operator_id: claim.operatorId, callback_url: claim.callbackUrl, department_id: claim.departmentId };
    const headers = {
      'idempotency-key': claim.idempotencyKey,
      prefer: claim.wait === undefined ? undefined : `wait=${claim.wait}`,
    };
    return (await request<T>('POST', path, { body, headers, signal: claim.signal })).body;
  }

  async function getClaim(claimId: number, claimOptions: { wait?: number; signal?: AbortSignal } = {}): Promise<Claim> {
    const wait = claimOptions.wait === undefined ? undefined : `wait=${claimOptions.wait}`;
    return (await request<Claim>('GET', `/api/claims/${claimId}`, { headers: { prefer: wait }, signal: claimOptions.signal })).body;
  }

  return {
    /**
     * Claims a task. Resolves with the claim: decided (200) when `wait` was given and the claim was decided
     * in time, else queued (202; follow it with `waitForClaim`). A rule rejection throws `ClaimRejectedError`.
     */
    claimTask(taskId: number, claim: ClaimTaskOptions = {}): Promise<Claim> {
      return submit(`/api/workorder-tasks/${taskId}/claim/`, claim);
    },

    /**
     * Gives a claimed, pending task back (`action: "release"`), decided in order with the task's claims.
     * Answers as `claimTask` does; a rule rejection (`not_assignee`, `task_not_releasable`, …) throws `ClaimRejectedError`.
     */
    releaseTask(taskId: number, release: ClaimTaskOptions = {}): Promise<Claim> {
      return submit(`/api/workorder-tasks/${taskId}/release/`, release);
    },

    /**
     * Has the worker pick the first claimable task in dispatch order (priority, due date, age) of the
     * operator's departments whose required skills the operator has (`action: "claim_next"`);
     * `task_id` is null until decided. Answers as `claimTask` does (`no_claimable_task` and
     * `capacity_reached` throw `ClaimRejectedError`).
     */
    claimNext(claim: ClaimNextOptions = {}): Promise<Claim> {
      return submit('/api/workorder-tasks/claim-next/', claim);
    },

    /**
     * Starts work on a task the operator holds (`action: "start"`): in_progress, its lease ends. Answers
     * as `claimTask` does (`not_assignee`, `task_not_startable` throw `ClaimRejectedError`); already
     * started succeeds with `already_claimed: true`.
     */
    startTask(taskId: number, start: ClaimTaskOptions = {}): Promise<Claim> {
      return submit(`/api/workorder-tasks/${taskId}/start/`, start);
    },

    /**
     * Moves a task to the operator `reassign.operatorId` (admin tokens, integration tokens of the task's
     * department; `action: "reassign"`). The claim names `previous_operator_id`. Answers as `claimTask`
     * does; the target's rule rejections throw `ClaimRejectedError`.
     */
    reassignTask(taskId: number, reassign: ClaimTaskOptions & { operatorId: number }): Promise<Claim> {
      return submit(`/api/workorder-tasks/${taskId}/reassign/`, reassign);
    },

    /**
     * Ends a shift: one release request per pending task of the operator. Resolves with all of them,
     * decided when `wait` was given and they were decided in time, else as they stand (follow each with
     * `waitForClaim`). A replay of `idempotencyKey` answers the same requests.
     */
    releaseMine(release: ClaimTaskOptions = {}): Promise<ReleaseMineResult> {
      return submit<ReleaseMineResult>('/api/workorder-tasks/release-mine/', release);
    },

    /** A task's requests (claims, releases, starts, reassigns, lease expiries), oldest first (an operator token sees only its own). */
    async getTaskHistory(taskId: number, page: Omit<PageOptions, 'operatorId'> = {}): Promise<ClaimHistoryPage> {
      const query = { page: page.page, page_size: page.pageSize };
      return (await request<ClaimHistoryPage>('GET', `/api/workorder-tasks/${taskId}/claims/`, { query, signal: page.signal })).body;
    },

    /**
     * The live events of GET /api/events, typed, as they come: `task.claimed`, `task.released` (with its
     * `reason`) and `task.started` of
     * the caller's departments, `claim.decided` of its own requests. Ends when the server ends the
     * stream (a restart, SIGTERM) or the signal aborts; events are not replayed, so after
     * reconnecting list again. An error answer throws `TaskclaimApiError` before the first event.
     */
    async *subscribe(subscribeOptions: SubscribeOptions = {}): AsyncGenerator<LiveEvent> {
      const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${options.token}` };
      const response = await doFetch(new URL(`${baseUrl}/api/events`), { headers, signal: subscribeOptions.signal });
      if (!response.ok || !response.body) throw toError(response, await readBody(response));
      subscribeOptions.onOpen?.();
      try {
        for await (const received of parseEventStream(chunksOf(response.body), subscribeOptions.onComment)) {
          yield { event: received.event, id: received.id, data: JSON.parse(received.data) } as LiveEvent;
        }
      } catch (error) {
        if (!subscribeOptions.signal?.aborted) throw error;
      }
    },

    /** Reads a claim; with `wait` (seconds) the server holds the request until the claim is decided or `wait` passes. */
    getClaim,

    /**
     * Long-polls the claim until it is decided. Resolves with a succeeded claim; a rejected one throws
     * `ClaimRejectedError`, a failed one `TaskclaimApiError` (503 `claim_failed`), as the claim request
     * would have answered. 429 and 503 answers are retried after their `Retry-After`. Throws
     * `ClaimWaitTimeoutError` after `timeoutMs`, and the signal's reason when it aborts.
     */
    async waitForClaim(claimId: number, waitOptions: WaitForClaimOptions = {}): Promise<Claim> {
      const timeoutMs = waitOptions.timeoutMs ?? 60_000;
      const deadline = Date.now() + timeoutMs;
      let last: Claim | undefined;
      for (let retries = 0; ; ) {
        waitOptions.signal?.throwIfAborted();
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new ClaimWaitTimeoutError(claimId, timeoutMs, last);
        const wait = Math.min(MAX_WAIT_SECONDS, Math.floor(remaining / 1000));
        const attempt = withTimeout(waitOptions.signal, wait * 1000 + LONG_POLL_GRACE_MS);
        let pause: number;
        try {
          last = await getClaim(claimId, { wait, signal: attempt.signal });
          retries = 0;
          // Less than a second left, the server answers at once: pause instead of spinning.
          pause = wait === 0 ? 250 : 0;
        } catch (error) {
          waitOptions.signal?.throwIfAborted();
          if (attempt.timedOut()) continue;
          if (!(error instanceof TaskclaimApiError) || (error.status !== 429 && error.status !== 503)) throw error;
          pause = error.retryAfter !== undefined ? error.retryAfter * 1000 : Math.min(MAX_BACKOFF_MS, 500 * 2 ** retries);
          retries++;
        } finally {
          attempt.clear();
        }
        if (last && TERMINAL.has(last.status)) return settled(last);
        if (pause > 0) await sleep(Math.min(pause, Math.max(0, deadline - Date.now())), waitOptions.signal);
      }
    },

    /** Webhook delivery attempts of a claim submitted with a `callbackUrl`. */
    async getClaimDeliveries(claimId: number, signal?: AbortSignal): Promise<WebhookDeliveries> {
      return (await request<WebhookDeliveries>('GET', `/api/claims/${claimId}/deliveries`, { signal })).body;
    },

    /** Pending, unassigned tasks of the operator's departments, oldest first. */
    async getClaimableTasks(page: PageOptions = {}): Promise<ClaimablePage> {
      return (await request<ClaimablePage>('GET', '/api/workorder-tasks/claimable/', { query: pageQuery(page), signal: page.signal })).body;
    },

    /** The operator's active tasks (pending and in_progress) and their limit. */
    async getMyTasks(mine: { operatorId?: number; signal?: AbortSignal } = {}): Promise<MyTasks> {
      return (await request<MyTasks>('GET', '/api/workorder-tasks/mine/', { query: { operator_id: mine.operatorId }, signal: mine.signal })).body;
    },

    async getTask(taskId: number, signal?: AbortSignal): Promise<Task> {
      return (await request<Task>('GET', `/api/workorder-tasks/${taskId}/`, { signal })).body;
    },

    /** The operator's notifications, newest first. */
    async getNotifications(page: PageOptions = {}): Promise<NotificationPage> {
      return (await request<NotificationPage>('GET', '/api/notifications/', { query: pageQuery(page), signal: page.signal })).body;
    },

    /** Marks the operator's notifications read: those of `ids`, or all of them without. Resolves with how many it marked. */
    async markNotificationsRead(read: { ids?: number[]; operatorId?: number; signal?: AbortSignal } = {}): Promise<NotificationsMarkedRead> {
      const body = { ids: read.ids };
      return (await request<NotificationsMarkedRead>('POST', '/api/notifications/read', { query: { operator_id: read.operatorId }, body, signal: read.signal })).body;
    },

    /** Who the token acts as: its kind, its name, and the operator of an operator token. */
    async getMe(signal?: AbortSignal): Promise<Me> {
      return (await request<Me>('GET', '/api/me', { signal })).body;
    },

    // Admin tokens: idempotent upserts for syncing from other systems.
    async upsertDepartment(departmentId: number, department: DepartmentUpsert): Promise<Department> {
      return (await request<Department>('PUT', `/api/admin/departments/${departmentId}`, { body: department })).body;
    },
    async upsertOperator(operatorId: number, operator: OperatorUpsert): Promise<Operator> {
      return (await request<Operator>('PUT', `/api/admin/operators/${operatorId}`, { body: operator })).body;
    },
    async upsertTask(taskId: number, task: TaskUpsert): Promise<Task> {
      return (await request<Task>('PUT', `/api/admin/tasks/${taskId}`, { body: task })).body;
    },
    /** Up to 1000 tasks in one transaction. */
    async upsertTasks(tasks: BulkTaskUpsert): Promise<BulkTaskResult> {
      return (await request<BulkTaskResult>('PUT', '/api/admin/tasks', { body: tasks })).body;
    },
    async deleteTask(taskId: number): Promise<void> {
      await request('DELETE', `/api/admin/tasks/${taskId}`);
    },
    /** The token (and an integration's webhook secret) is shown only in this answer. */
    async createToken(token: TokenCreate): Promise<TokenCreated> {
      return (await request<TokenCreated>('POST', '/api/admin/tokens', { body: token })).body;
    },
    async revokeToken(tokenId: number): Promise<void> {
      await request('DELETE', `/api/admin/tokens/${tokenId}`);
    },
  };
}

const pageQuery = (page: PageOptions) => ({ page: page.page, page_size: page.pageSize, operator_id: page.operatorId });

/** A decided claim as `claimTask` with `wait` would have answered it: the claim, or the error. */
function settled(claim: Claim): Claim {
  if (claim.status === 'rejected') throw new ClaimRejectedError(claim);
  if (claim.status === 'failed') throw new TaskclaimApiError(503, 'claim_failed', claim.detail, { claimId: claim.claim_id });
  return claim;
}

async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204) return undefined;
  const text = await response.text();
  if (!/json/i.test(response.headers.get('content-type') ?? '')) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Seconds from `Retry-After`, given as seconds or as an HTTP date. */
function retryAfterOf(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function isProblem(body: unknown): body is Problem {
  return typeof body === 'object' && body !== null && typeof (body as Problem).code === 'string' && typeof (body as Problem).detail === 'string';
}

function toError(response: Response, body: unknown): TaskclaimApiError {
  if (!isProblem(body)) {
    const detail = typeof body === 'string' && body ? body.slice(0, 500) : response.statusText || 'The API answered with an error.';
    return new TaskclaimApiError(response.status, 'http_error', detail, { retryAfter: retryAfterOf(response) });
  }
  const claim = (body as { claim?: Claim }).claim;
  // A claim decided against a rule: the 400 answer carries the claim.
  if (response.status === 400 && typeof body.claim_id === 'number' && claim?.status === 'rejected') return new ClaimRejectedError(claim, body);
  return new TaskclaimApiError(response.status, body.code, body.detail, {
    errors: body.errors,
    retryAfter: retryAfterOf(response),
    claimId: body.claim_id,
    problem: body,
  });
}

/**
 * A body's chunks, read through its reader: a ReadableStream is not async-iterable in Safari, nor in
 * Chrome before 124. Stopping early (break, throw) cancels the body, which closes the connection.
 */
async function* chunksOf(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A signal that aborts with `parent` or after `ms`; `timedOut()` tells which. */
function withTimeout(parent: AbortSignal | undefined, ms: number) {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort(parent?.reason);
  parent?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, ms);
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    clear() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onAbort);
    },
  };
}
