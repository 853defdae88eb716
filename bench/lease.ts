import { setTimeout as sleep } from 'node:timers/promises';
import type { Queue } from 'bullmq';
import type { Db } from '@taskclaim/shared/db';
import type { InvariantReport } from '../harness/invariants';
import { learnOutcome, postClaim, type ClientCounters, type ClientOptions, type ClientRecord } from './clients';
import { runWithInflight, wallNow, type RoundRobinClient } from './http';
import type { Claim, LeaseRace } from './scenarios';
import { increment, summarize, type Percentiles } from './stats';

export interface LeaseFigures {
  leases: number;
  /** last lease end − first, ms: how close to "the same second" the leases end */
  leaseEndSpreadMs: number;
  released: number;
  /** expire decided (its completed_at) − the lease end, ms */
  latenessMs: Percentiles;
  releasedEarly: number;
  /** what the racing claims were told: fired from 300 ms before the first lease end, and again from that end on */
  racingOutcomes: Record<string, number>;
}

interface HistoryEntry {
  action: string;
  operator_id: number;
  status: string;
  completed_at: string | null;
}

/**
 * The lease variant of shift-change: the holders' claims are accepted with the queues paused and decided
 * in one go when they resume, so the leases end within about a second; from just before that, other
 * operators claim the same tasks. Every lapsed lease is read back through the task's history (admin token).
 */
export async function raceLeases(client: RoundRobinClient, race: LeaseRace, queues: Queue[], clientOptions: ClientOptions, adminToken: string, inflight: number): Promise<LeaseFigures> {
  const counters: ClientCounters = { http: {}, retried: {}, repolls: 0 };
  const fire = async (claims: Claim[], options: ClientOptions): Promise<ClientRecord[]> => {
    const records: ClientRecord[] = new Array(claims.length);
    await runWithInflight(claims, inflight, async (claim, index) => void (records[index] = await postClaim(client, claim, index, options, counters)));
    return records;
  };
  const holdOptions: ClientOptions = { ...clientOptions, kind: 'async', keyPrefix: clientOptions.keyPrefix && `${clientOptions.keyPrefix}-lease` };
  await Promise.all(queues.map((queue) => queue.pause()));
  const holds = await fire(race.holds, holdOptions);
  await Promise.all(queues.map((queue) => queue.resume()));
  await Promise.all(holds.map((record) => learnOutcome(client, record, holdOptions, counters)));
  const admin = { authorization: `Bearer ${adminToken}` };
  const get = async <T>(path: string): Promise<T> => JSON.parse((await client.request('GET', path, admin)).body) as T;
  const held = holds.filter((record) => record.outcome === 'succeeded').map((record) => record.taskId);
  const holderOf = new Map(holds.map((record) => [record.taskId, record.operatorId]));
  const leaseEnds = new Map<number, number>();
  await runWithInflight(held, 16, async (taskId) => {
    const task = await get<{ lease_expires_at: string | null }>(`/api/workorder-tasks/${taskId}/`);
    if (task.lease_expires_at) leaseEnds.set(taskId, Date.parse(task.lease_expires_at));
  });
  const ends = [...leaseEnds.values()];
  const firstEnd = Math.min(...ends);
  const lastEnd = Math.max(...ends);
  // Two waves of the same racers, each on its own: from 300 ms before the first lease ends (decided while the holders
  // still hold the tasks), and from the first lease end on, accepted while the expiries are being submitted and decided.
  const wave = async (at: number, key: string): Promise<ClientRecord[]> => {
    await sleep(Math.max(0, at - wallNow()));
    const records = await fire(race.racers, { ...clientOptions, keyPrefix: clientOptions.keyPrefix && `${clientOptions.keyPrefix}-${key}` });
    await Promise.all(records.map((record) => learnOutcome(client, record, clientOptions, counters)));
    return records;
  };
  const [before, atTheEnd] = await Promise.all([wave(firstEnd - 300, 'race'), wave(firstEnd, 'race2')]);

  // SPEC: within 10 s after the lease ends; read the histories until every expiry is in, or 30 s after the last end
  const expired = new Map<number, number>();
  while (expired.size < leaseEnds.size && wallNow() < lastEnd + 30_000) {
    await sleep(500);
    await runWithInflight([...leaseEnds.keys()].filter((id) => !expired.has(id)), 16, async (taskId) => {
      const history = await get<{ results: HistoryEntry[] }>(`/api/workorder-tasks/${taskId}/claims/?page_size=100`);
      // the holder's expiry (a racer who won the task gets a lease of its own)
      const expiry = history.results.find((entry) => entry.action === 'expire' && entry.status === 'succeeded' && entry.completed_at && entry.operator_id === holderOf.get(taskId));
      if (expiry) expired.set(taskId, Date.parse(expiry.completed_at as string));
    });
  }
  const lateness = [...expired].map(([taskId, at]) => at - (leaseEnds.get(taskId) as number));
  const racingOutcomes: Record<string, number> = {};
  for (const record of before) increment(racingOutcomes, `before: ${record.outcome ?? 'unknown'}`);
  for (const record of atTheEnd) increment(racingOutcomes, `from the end: ${record.outcome ?? 'unknown'}`);
  return {
    leases: leaseEnds.size,
    leaseEndSpreadMs: lastEnd - firstEnd,
    released: expired.size,
    latenessMs: summarize(lateness),
    releasedEarly: lateness.filter((ms) => ms < 0).length,
    racingOutcomes,
  };
}

/** The lease variant's promises: all released, within 10 s, none early, and each racing claim decided in acceptance order with the expiry. */
export async function leaseInvariants(db: Db, figures: LeaseFigures, race: LeaseRace): Promise<InvariantReport[]> {
  const report = (name: string, violations: unknown[]): InvariantReport => ({ name, ok: violations.length === 0, violations: violations.slice(0, 10) });
  const rows: { id: number; task_id: number; action: string; operator_id: number; status: string; code: string | null }[] = await db('claim_requests')
    .whereIn('task_id', race.taskIds)
    .orderBy('id')
    .select('id', 'task_id', 'action', 'operator_id', 'status', 'code');
  // replay each task's requests in acceptance order: a claim wins iff nobody holds the task or its claimant already does (rule 5),
  // an expiry frees it iff its operator holds it
  const holder = new Map<number, number | null>();
  const outOfOrder: unknown[] = [];
  for (const row of rows) {
    const current = holder.get(row.task_id) ?? null;
    const won = row.status === 'succeeded';
    const expected = row.action === 'claim' ? current === null || current === row.operator_id : row.action === 'expire' ? current === row.operator_id : won;
    if (won !== expected) outOfOrder.push({ claimId: row.id, taskId: row.task_id, action: row.action, status: row.status, code: row.code, holderBefore: current });
    if (won && row.action === 'claim') holder.set(row.task_id, row.operator_id);
    if (won && row.action === 'expire') holder.set(row.task_id, null);
  }
  return [
    report(`every one of the ${figures.leases} leases released by an expiry (released: ${figures.released})`, figures.released === figures.leases && figures.leases === race.taskIds.length ? [] : [{ leases: figures.leases, released: figures.released, tasks: race.taskIds.length }]),
    report('every lapsed lease released within 10 s of its end', figures.latenessMs.max > 10_000 ? [{ maxLatenessMs: figures.latenessMs.max }] : []),
    report('no lease released before its end', figures.releasedEarly ? [{ early: figures.releasedEarly }] : []),
    report('claims racing the expiries decided in acceptance order with them', outOfOrder),
  ];
}
