import type { Response } from 'express';
import { canSeeTask, isTerminal } from '@taskclaim/shared/domain';
import { makeSlotsPerKey, type Logger } from '@taskclaim/shared/runtime';
import { operatorsRepo, type Db } from '@taskclaim/shared/db';
import { presentClaim } from '@taskclaim/shared/presenters';
import { type DecidedClaim } from '@taskclaim/shared/queue';
import { type LiveEventType, type TaskClaimedEvent, type TaskReleasedEvent, type TaskStartedEvent } from '../contracts/events';
import * as tokensRepo from '../db/tokens.repository';
import type { TokenRow } from '../db/tokens.repository';
import { departmentIdsOf } from '../db/operators.repository';
import { HttpProblem } from '../http/problem';
import type { ClaimWaiters } from '../claims/claim-waiters';
import { makeExpiringMap } from '../expiring-map';

/** How long a task's last decision time is kept to recognise a superseded event (publishes race by milliseconds). */
const DECISION_MEMORY_MS = 60_000;
const DECISIONS_REMEMBERED = 100_000;
/**
 * A stream whose client has not taken this much (held by Node, not yet handed to the kernel) is
 * closed: a client that stops reading costs at most this, plus the kernel's send buffer.
 */
export const MAX_UNSENT_BYTES = 1024 * 1024;
/**
 * How often every stream's token is checked to be still active, whatever the pub/sub said: a stream
 * of a revoked token or a deactivated operator ends within this (and the check's query) at the latest.
 */
export const ACCESS_CHECK_MS = 1_000;
/** A token at MAX_STREAMS_PER_TOKEN retries after this. */
const STREAM_RETRY_AFTER_SECONDS = 5;

interface Stream {
  res: Response;
  caller: TokenRow;
  /** the departments whose task events it gets; undefined: every department (admin tokens) */
  departments?: Set<number>;
}

export interface EventStreams {
  /** answers GET /api/events: holds `res` open as a text/event-stream for `caller`; 429 past the token's MAX_STREAMS_PER_TOKEN */
  open(res: Response, caller: TokenRow): Promise<void>;
  /** a token was revoked or an operator changed (here or in another API process): check every stream's access and scope now */
  accessChanged(): Promise<void>;
  count(): number;
  /** ends every stream (SIGTERM): clients see a clean end of stream and list again */
  close(): void;
}

const frame = (event: LiveEventType, id: string, data: unknown): string => `event: ${event}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`;

/** Whose `claim.decided` events a stream gets: an operator token its operator's requests, any other token those it submitted. */
const ownerOf = (caller: TokenRow): string => (caller.kind === 'operator' ? `operator:${caller.operator_id}` : `token:${caller.id}`);

type TaskEvent =
  | { event: 'task.claimed'; data: TaskClaimedEvent }
  | { event: 'task.released'; data: TaskReleasedEvent }
  | { event: 'task.started'; data: TaskStartedEvent };

/**
 * The task events a decided request makes, in order: a successful claim (or claim-next), release,
 * lease expiry or start of a task that still exists; a reassign releases the task from its previous
 * holder (if any), then claims it for the target.
 */
function taskEventsOf({ claim, task, username }: DecidedClaim): TaskEvent[] {
  if (!task || claim.status !== 'succeeded' || claim.already_claimed) return [];
  const ids = { task_id: task.id, claim_id: claim.id };
  const claimed: TaskEvent = { event: 'task.claimed', data: { ...ids, operator_id: claim.operator_id, username: username ?? task.operator_username ?? '' } };
  switch (claim.action) {
    case 'release':
      return [{ event: 'task.released', data: { ...ids, operator_id: claim.operator_id, reason: 'released' } }];
    case 'expire':
      return [{ event: 'task.released', data: { ...ids, operator_id: claim.operator_id, reason: 'lease_expired' } }];
    case 'start':
      return [{ event: 'task.started', data: { ...ids, operator_id: claim.operator_id } }];
    case 'reassign':
      return claim.previous_operator_id === null
        ? [claimed]
        : [{ event: 'task.released', data: { ...ids, operator_id: claim.previous_operator_id, reason: 'reassigned' } }, claimed];
    case 'claim':
    case 'claim_next':
      return [claimed];
  }
}

/**
 * The live event streams of this API process (SPEC §4 "Live events"). They hear the decisions every
 * deciding process publishes on Redis pub/sub — the messages that wake the long-polls, which carry
 * each claim and its task — so a stream on any API process sees the decisions of any worker, on a
 * single Redis or a cluster. Each message's events are written to the streams at once, in the
 * message's order (a task's decisions of one transaction, in decision order).
 *
 * Two transactions deciding one task publish from different processes (a claim-next request and the
 * task's partition), so their messages may arrive in the other order than they committed. The later
 * decision then supersedes the earlier: a task event older than one already forwarded for its task
 * (by `completed_at`, taken after the task's row lock) is dropped, so every stream sees a task's events
 * in decision order and ends in the task's real state. `claim.decided` is never dropped.
 *
 * Scope: a task event reaches the streams of the task's department (admin: all); a `claim.decided`
 * shows its task only to a stream that sees the task. The departments of an operator's stream are read
 * again at every keep-alive and whenever an admin changes tokens or operators (`accessChanged`, heard
 * over pub/sub from any API process); a stream of a revoked token or a deactivated operator is ended
 * then, and at the latest at the next access check (every ACCESS_CHECK_MS).
 *
 * Bounds: MAX_STREAMS_PER_TOKEN streams per token in this process, and MAX_UNSENT_BYTES waiting in
 * each: a client that stops reading is cut off, never buffered for without bound.
 */
export function makeEventStreams(deps: { db: Db; waiters: ClaimWaiters; logger: Logger; keepAliveMs: number; streamsPerToken: number }): EventStreams {
  const streams = new Set<Stream>();
  const slots = makeSlotsPerKey<number>(deps.streamsPerToken);
  const byOwner = new Map<string, Set<Stream>>();
  /** task id → when its last forwarded decision was made (database clock); kept for a minute after it was heard */
  const lastDecided = makeExpiringMap<number, number>({ capacity: DECISIONS_REMEMBERED, maxAgeMs: DECISION_MEMORY_MS });

  const index = (stream: Stream, add: boolean) => {
    const key = ownerOf(stream.caller);
    const set = byOwner.get(key) ?? new Set();
    if (add) byOwner.set(key, set.add(stream));
    else if (set.delete(stream) && set.size === 0) byOwner.delete(key);
  };
  /** `cutOff`: the client is not reading, so what waits for it is dropped with the connection, not flushed. */
  const end = (stream: Stream, cutOff = false) => {
    if (!streams.delete(stream)) return;
    index(stream, false);
    slots.give(stream.caller.id);
    if (cutOff) stream.res.destroy();
    else stream.res.end();
  };
  const send = (stream: Stream, text: string) => {
    if (stream.res.writableLength + text.length > MAX_UNSENT_BYTES) {
      deps.logger.info('event stream closed: its client stopped reading', { tokenId: stream.caller.id, unsentBytes: stream.res.writableLength });
      return end(stream, true);
    }
    stream.res.write(text);
  };

  /** Marks the events superseded by a decision already forwarded, and remembers this message's decisions. */
  const superseded = (batch: DecidedClaim[]): boolean[] => {
    const before = (taskId: number) => lastDecided.get(taskId) ?? -Infinity;
    const stale = batch.map(({ claim, task }) => Boolean(task && claim.completed_at && claim.completed_at.getTime() < before(task.id)));
    for (const { claim, task } of batch) {
      if (task && claim.completed_at) lastDecided.set(task.id, Math.max(claim.completed_at.getTime(), before(task.id)));
    }
    return stale;
  };

  const unsubscribe = deps.waiters.onDecided((batch) => {
    if (streams.size === 0) return;
    const stale = superseded(batch);
    batch.forEach((decided, position) => {
      const { claim, task } = decided;
      if (!isTerminal(claim.status)) return;
      const department = task?.assigned_department_id ?? null;
      for (const taskEvent of stale[position] ? [] : taskEventsOf(decided)) {
        const text = frame(taskEvent.event, `${claim.id}-${taskEvent.event}`, taskEvent.data);
        for (const stream of streams) if (!stream.departments || (department !== null && stream.departments.has(department))) send(stream, text);
      }
      const owners = byOwner.get(claim.token_id !== null ? `token:${claim.token_id}` : '') ?? new Set();
      const operators = byOwner.get(`operator:${claim.operator_id}`) ?? new Set();
      if (owners.size + operators.size === 0) return;
      const decidedFrame = (withTask: boolean) => frame('claim.decided', `${claim.id}-claim.decided`, presentClaim(claim, 'en', withTask ? task : undefined, { holderHidden: !withTask }));
      const withTask = decidedFrame(true);
      let withoutTask: string | undefined;
      for (const stream of [...owners, ...operators]) {
        const sees = !task || canSeeTask(stream.caller, task, [...(stream.departments ?? [])]);
        send(stream, sees ? withTask : (withoutTask ??= decidedFrame(false)));
      }
    });
  });

  /** Ends the streams whose token was revoked or whose operator was deactivated; returns the others. */
  const endRevoked = async (): Promise<Stream[]> => {
    const all = [...streams];
    if (all.length === 0) return [];
    const active = await tokensRepo.findActiveTokenIds(deps.db, [...new Set(all.map((stream) => stream.caller.id))]);
    for (const stream of all) if (!active.has(stream.caller.id)) end(stream);
    return all.filter((stream) => streams.has(stream));
  };
  const refresh = async () => {
    const open = await endRevoked();
    const operatorIds = [...new Set(open.flatMap((stream) => (stream.caller.kind === 'operator' ? (stream.caller.operator_id as number) : [])))];
    if (operatorIds.length === 0) return;
    const departments = await operatorsRepo.departmentIdsOfOperators(deps.db, operatorIds);
    for (const stream of open) {
      if (stream.caller.kind === 'operator') stream.departments = new Set(departments.get(stream.caller.operator_id as number) ?? []);
    }
  };
  const warnScopeUnread = (error: Error) => deps.logger.warn('could not read the scope of the event streams again; keeping the last one', { error: error.message });
  let closed = false;
  const keepAlive = setInterval(() => {
    for (const stream of streams) send(stream, ': keep-alive\n\n');
    refresh().catch(warnScopeUnread);
  }, deps.keepAliveMs);
  keepAlive.unref();
  const accessCheck = setInterval(() => void endRevoked().catch(warnScopeUnread), ACCESS_CHECK_MS);
  accessCheck.unref();

  return {
    async open(res, caller) {
      if (!slots.take(caller.id)) {
        const detail = {
          en: `This token holds ${deps.streamsPerToken} open event streams in this process already; close one first.`,
          zh: `此令牌在本进程中已打开 ${deps.streamsPerToken} 个事件流，请先关闭其中一个`,
        };
        throw new HttpProblem(429, 'rate_limited', detail, {}, {
          'Retry-After': String(STREAM_RETRY_AFTER_SECONDS),
        });
      }
      let departments: Set<number> | undefined;
      try {
        departments = caller.kind === 'admin' ? undefined : new Set(caller.kind === 'operator' ? await departmentIdsOf(deps.db, caller.operator_id as number) : caller.department_ids);
      } catch (error) {
        slots.give(caller.id);
        throw error;
      }
      // The client left while its departments were read: 'close' has passed, so no stream is kept.
      if (!res.socket || res.socket.destroyed) {
        slots.give(caller.id);
        return;
      }
      res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no' });
      res.flushHeaders();
      // A client that reconnects lists again (events are not replayed); `retry` paces its reconnects.
      res.write('retry: 3000\n: connected\n\n');
      const stream: Stream = { res, caller, departments };
      streams.add(stream);
      index(stream, true);
      res.once('close', () => end(stream));
      // A stream opened while the process stops ends at once, like the others did: its client reconnects elsewhere.
      if (closed) end(stream);
    },
    accessChanged: refresh,
    count: () => streams.size,
    close() {
      closed = true;
      clearInterval(keepAlive);
      clearInterval(accessCheck);
      unsubscribe();
      for (const stream of [...streams]) end(stream);
    },
  };
}
