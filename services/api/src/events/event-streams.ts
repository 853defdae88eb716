import type { Response } from 'express';
import { claimsRepo, makeExpiringMap, operatorsRepo, presentClaim, tokensRepo, type ClaimWaiters, type Db, type DecidedClaim, type LiveEventType, type Logger, type TaskClaimedEvent, type TaskReleasedEvent, type TaskStartedEvent, type TokenRow } from '@taskclaim/shared';

/** How long a task's last decision time is kept to recognise a superseded event (publishes race by milliseconds). */
const DECISION_MEMORY_MS = 60_000;
const DECISIONS_REMEMBERED = 100_000;

interface Stream {
  res: Response;
  caller: TokenRow;
  /** the departments whose task events it gets; undefined: every department (admin tokens) */
  departments?: Set<number>;
}

export interface EventStreams {
  /** answers GET /api/events: holds `res` open as a text/event-stream for `caller` */
  open(res: Response, caller: TokenRow): Promise<void>;
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
 * Scope: a task event reaches the streams of the task's department (admin: all); the departments of
 * an operator's stream, and whether each stream's token is still active, are read again at every
 * keep-alive, which is also when a stream of a revoked token or a deactivated operator is ended.
 */
export function makeEventStreams(deps: { db: Db; waiters: ClaimWaiters; logger: Logger; keepAliveMs: number }): EventStreams {
  const streams = new Set<Stream>();
  const byOwner = new Map<string, Set<Stream>>();
  /** task id → when its last forwarded decision was made (database clock); kept for a minute after it was heard */
  const lastDecided = makeExpiringMap<number, number>({ capacity: DECISIONS_REMEMBERED, maxAgeMs: DECISION_MEMORY_MS });

  const index = (stream: Stream, add: boolean) => {
    const key = ownerOf(stream.caller);
    const set = byOwner.get(key) ?? new Set();
    if (add) byOwner.set(key, set.add(stream));
    else if (set.delete(stream) && set.size === 0) byOwner.delete(key);
  };
  const end = (stream: Stream) => {
    if (!streams.delete(stream)) return;
    index(stream, false);
    stream.res.end();
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
      if (!claimsRepo.isTerminal(claim.status)) return;
      const department = task?.assigned_department_id ?? null;
      for (const taskEvent of stale[position] ? [] : taskEventsOf(decided)) {
        const text = frame(taskEvent.event, `${claim.id}-${taskEvent.event}`, taskEvent.data);
        for (const stream of streams) if (!stream.departments || (department !== null && stream.departments.has(department))) stream.res.write(text);
      }
      const owners = byOwner.get(claim.token_id !== null ? `token:${claim.token_id}` : '') ?? new Set();
      const operators = byOwner.get(`operator:${claim.operator_id}`) ?? new Set();
      if (owners.size + operators.size === 0) return;
      const text = frame('claim.decided', `${claim.id}-claim.decided`, presentClaim(claim, 'en', task));
      for (const stream of owners) stream.res.write(text);
      for (const stream of operators) stream.res.write(text);
    });
  });

  const refresh = async () => {
    const all = [...streams];
    if (all.length === 0) return;
    const active = await tokensRepo.findActiveTokenIds(deps.db, [...new Set(all.map((stream) => stream.caller.id))]);
    const operatorIds = [...new Set(all.flatMap((stream) => (stream.caller.kind === 'operator' ? (stream.caller.operator_id as number) : [])))];
    const departments = await operatorsRepo.departmentIdsOfOperators(deps.db, operatorIds);
    for (const stream of all) {
      if (!active.has(stream.caller.id)) end(stream);
      else if (stream.caller.kind === 'operator') stream.departments = new Set(departments.get(stream.caller.operator_id as number) ?? []);
    }
  };
  const timer = setInterval(() => {
    for (const stream of streams) stream.res.write(': keep-alive\n\n');
    refresh().catch((error: Error) => deps.logger.warn('could not read the scope of the event streams again; keeping the last one', { error: error.message }));
  }, deps.keepAliveMs);
  timer.unref();

  return {
    async open(res, caller) {
      const departments =
        caller.kind === 'admin' ? undefined : new Set(caller.kind === 'operator' ? await operatorsRepo.departmentIdsOf(deps.db, caller.operator_id as number) : caller.department_ids);
      res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no' });
      res.flushHeaders();
      // A client that reconnects lists again (events are not replayed); `retry` paces its reconnects.
      res.write('retry: 3000\n: connected\n\n');
      const stream: Stream = { res, caller, departments };
      streams.add(stream);
      index(stream, true);
      res.once('close', () => end(stream));
    },
    count: () => streams.size,
    close() {
      clearInterval(timer);
      unsubscribe();
      for (const stream of [...streams]) end(stream);
    },
  };
}
