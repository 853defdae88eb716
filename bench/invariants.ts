import type { Db } from '@taskclaim/shared/db';
import type { InvariantReport } from '../harness/invariants';
import type { ClientRecord } from './clients';
import { increment } from './stats';

const report = (name: string, violations: unknown[]): InvariantReport => ({ name, ok: violations.length === 0, violations: violations.slice(0, 10) });

/** Operators holding more active tasks than their limit (the seed-sync design's known flaw). */
export async function operatorsOverLimit(db: Db, defaultLimit: number): Promise<number> {
  const { rows } = await db.raw(
    `SELECT count(*)::int AS n FROM (
       SELECT o.id FROM operators o JOIN work_order_tasks t ON t.assigned_operator_id = o.id AND t.status IN ('pending', 'in_progress')
       GROUP BY o.id HAVING count(t.id) > coalesce(o.max_active_tasks, ?)) over_limit`,
    [defaultLimit],
  );
  return rows[0].n;
}

/**
 * SPEC §6 as the clients saw it: no task was promised to two clients, every promised task is held by
 * its winner, nobody is over their limit, every POST got an answer, and (for taskclaim, which stores
 * claims) each client was told what the database holds for its claim.
 */
export async function clientInvariants(db: Db, records: ClientRecord[], options: { defaultLimit: number; storesClaims: boolean }): Promise<InvariantReport[]> {
  const winners = records.filter((r) => r.outcome === 'succeeded' && !r.release);
  const byTask = new Map<number, number[]>();
  for (const winner of winners) byTask.set(winner.taskId, [...(byTask.get(winner.taskId) ?? []), winner.operatorId]);
  const doubleWins = [...byTask].filter(([, operators]) => operators.length > 1).map(([taskId, operators]) => ({ taskId, operators }));
  const holders = new Map<number, number | null>(
    (await db('work_order_tasks').select('id', 'assigned_operator_id')).map((row: { id: number; assigned_operator_id: number | null }) => [row.id, row.assigned_operator_id]),
  );
  const notHeld = winners.filter((w) => holders.get(w.taskId) !== w.operatorId).map((w) => ({ taskId: w.taskId, winner: w.operatorId, holder: holders.get(w.taskId) }));
  const unanswered = records.filter((r) => r.outcome === undefined || /^(network error|HTTP 5|GET 5)/.test(r.outcome)).map((r) => ({ taskId: r.taskId, outcome: r.outcome }));
  const overLimit = await operatorsOverLimit(db, options.defaultLimit);
  const reports = [
    report('no task promised to two clients', doubleWins),
    report("each client told it won holds the task", notHeld),
    report('no operator above their limit (operators over it)', overLimit ? [{ operators: overLimit }] : []),
    report('every client learned its outcome', unanswered),
  ];
  if (options.storesClaims) {
    const rows: { id: number; status: string; code: string | null; already_claimed: boolean }[] = await db('claim_requests').select('id', 'status', 'code', 'already_claimed');
    const stored = new Map(rows.map((row) => [row.id, row.status === 'succeeded' ? (row.already_claimed ? 'succeeded (already theirs)' : 'succeeded') : row.status === 'rejected' ? row.code : row.status]));
    const told = (r: ClientRecord) => (r.release ? r.outcome?.replace(/^release /, '') : r.outcome);
    const mismatched = records.filter((r) => r.claimId !== undefined && stored.get(r.claimId) !== told(r)).map((r) => ({ claimId: r.claimId, told: r.outcome, stored: stored.get(r.claimId as number) }));
    reports.push(report('each client was told what the database holds for its claim', mismatched));
  }
  return reports;
}

/**
 * shift-change, as the clients saw it, and what End shift must leave behind: every task an End-shift
 * operator held was released to them exactly once, and afterwards they hold no pending task (none lost
 * to a release that never came, none released twice); and every Claim next press got a task, as the
 * never-held tasks cover them all. The skills and single-holder checks are SPEC §6's.
 */
export async function shiftChangeInvariants(db: Db, floor: ClientRecord[], burst: ClientRecord[]): Promise<InvariantReport[]> {
  const enders = new Set(burst.filter((r) => r.release).map((r) => r.operatorId));
  const heldBy = new Map<number, number[]>();
  for (const record of floor.filter((r) => r.outcome === 'succeeded' && enders.has(r.operatorId))) heldBy.set(record.operatorId, [...(heldBy.get(record.operatorId) ?? []), record.taskId]);
  const releasedBy = new Map<number, number[]>();
  for (const record of burst.filter((r) => r.outcome === 'release succeeded')) releasedBy.set(record.operatorId, [...(releasedBy.get(record.operatorId) ?? []), record.taskId]);
  const sorted = (ids: number[] | undefined) => JSON.stringify([...(ids ?? [])].sort((a, b) => a - b));
  const incomplete = [...enders].filter((id) => sorted(heldBy.get(id)) !== sorted(releasedBy.get(id))).map((id) => ({ operatorId: id, held: heldBy.get(id), released: releasedBy.get(id) }));
  const releases: Record<string, number> = {};
  for (const ids of releasedBy.values()) for (const id of ids) increment(releases, String(id));
  const twice = Object.entries(releases).filter(([, n]) => n > 1).map(([taskId, n]) => ({ taskId: Number(taskId), releases: n }));
  const stillHeld = await db('work_order_tasks').whereIn('assigned_operator_id', [...enders]).andWhere('status', 'pending').select('id', 'assigned_operator_id').limit(10);
  return [
    report('End shift released exactly the tasks its operator held, each once (as the clients were told)', incomplete),
    report('no task released twice (as the clients were told)', twice),
    report('after End shift its operator holds no pending task', stillHeld),
    report('every Claim next press got a task (the never-held tasks cover them all)', burst.filter((r) => r.next && r.outcome !== 'succeeded').map((r) => ({ operatorId: r.operatorId, outcome: r.outcome }))),
  ];
}
