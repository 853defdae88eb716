import type { Knex } from 'knex';
import { decideClaim, type ClaimDecision } from '../domain/decide-claim';
import { decideClaimNext, refuseClaimNext } from '../domain/decide-claim-next';
import { decideRelease } from '../domain/decide-release';
import * as claims from '../db/repositories/claims.repository';
import * as notifications from '../db/repositories/notifications.repository';
import * as operators from '../db/repositories/operators.repository';
import * as tasks from '../db/repositories/tasks.repository';
import type { DecidedClaim } from '../queue/claim-events';
import type { WebhookJobData } from '../queue/webhook-queue';
import { recordClaimEvent } from './record-claim-event';

/** A claim decided by one transaction: its row and its task as the transaction left them. */
export interface DecidedClaimReport extends DecidedClaim {
  decision: ClaimDecision;
  /** its webhook outbox row, committed with the decision: enqueue it after commit */
  webhook?: WebhookJobData;
}

export interface ApplyClaimResult {
  decided: DecidedClaimReport[];
  /** the batch was as large as the scope allows: more queued claims may be waiting */
  full: boolean;
}

export interface ApplyClaimDeps {
  db: Knex;
  defaultMaxActiveTasks: number;
}

/**
 * Which queued claims the worker's transaction decides, always oldest first:
 * - `partitions`: the oldest queued claims of these partitions (whose jobs this process holds), up
 *   to `limit` — one commit for a burst's backlog, while each task still sees its claims in accept order;
 * - `claimIds`: exactly these (a failed batch decided again one claim at a time).
 */
export type ApplyScope = { partitions: number[]; limit: number } | { claimIds: number[] };

/** The task view after this transaction's (un)assignment, built from rows already locked. */
function assignedView(task: tasks.TaskView, operator: operators.OperatorRow | undefined, updatedAt: Date): tasks.TaskView {
  return {
    ...task,
    assigned_operator_id: operator?.id ?? null,
    operator_username: operator?.username ?? null,
    operator_first_name: operator?.first_name ?? null,
    operator_last_name: operator?.last_name ?? null,
    updated_at: updatedAt,
  };
}

/** Decides the queued claims of a scope in one transaction of its own (the queue worker). */
export async function applyClaim(deps: ApplyClaimDeps, scope: ApplyScope): Promise<ApplyClaimResult> {
  return deps.db.transaction(async (trx) => {
    const batch = 'partitions' in scope ? await claims.lockOldestQueuedClaimsOfPartitions(trx, scope) : await claims.lockQueuedClaims(trx, scope.claimIds);
    return { decided: await decideClaims(trx, deps, batch), full: 'partitions' in scope && batch.length >= scope.limit };
  });
}

/**
 * Decides claim requests (claims, releases and claim-next) whose rows the transaction has locked, in
 * accept (id) order, each seeing the tasks as the requests before it left them, and writes the
 * outcomes. Further locks, each set in ascending id order so concurrent transactions never deadlock:
 * the task rows, then the operator rows (the capacity check must see every concurrent claim of an
 * operator on other tasks); a claim-next request then picks its task with SKIP LOCKED, which never
 * waits.
 */
export async function decideClaims(trx: Knex.Transaction, deps: Omit<ApplyClaimDeps, 'db'>, batch: claims.ClaimRow[]): Promise<DecidedClaimReport[]> {
  if (batch.length === 0) return [];
  const lockedTasks = await tasks.lockTaskViews(trx, [...new Set(batch.flatMap((c) => c.task_id ?? []))]);
  const operatorIds = [...new Set(batch.map((c) => c.operator_id))];
  const lockedOperators = await operators.lockOperators(trx, operatorIds);
  const departmentIds = [...new Set([...lockedTasks.values()].flatMap((task) => task.assigned_department_id ?? []))];
  const memberships = await operators.memberships(trx, operatorIds, departmentIds);
  const activeCounts = await tasks.countActiveTasks(trx, operatorIds);
  const nextOperatorIds = [...new Set(batch.flatMap((c) => (c.action === 'claim_next' ? c.operator_id : [])))];
  const departmentsOf = nextOperatorIds.length ? await operators.departmentIdsOfOperators(trx, nextOperatorIds) : new Map<number, number[]>();

  const assignees = new Map([...lockedTasks.values()].map((task) => [
    task.id,
    task.assigned_operator_id ? { id: task.assigned_operator_id, username: task.operator_username ?? '' } : null,
  ]));
  /** task id → its assignee once this transaction commits (null: released) */
  const newAssignments = new Map<number, number | null>();
  const newNotifications: notifications.NewNotification[] = [];
  const decisions: claims.Decision[] = [];

  /** A claim-next request's task: picked among its operator's departments (within its own narrowing), none taken in this batch. */
  const pickFor = async (queued: claims.ClaimRow): Promise<tasks.TaskView | undefined> => {
    const allowed = (departmentsOf.get(queued.operator_id) ?? []).filter((id) => !queued.department_ids || queued.department_ids.includes(id));
    const taken = [...newAssignments].flatMap(([taskId, operatorId]) => (operatorId === null ? [] : taskId));
    const picked = await tasks.pickClaimableTask(trx, { claimId: queued.id, departmentIds: allowed, taken });
    if (picked) {
      lockedTasks.set(picked.id, picked);
      assignees.set(picked.id, null);
    }
    return picked;
  };

  /** What one request decides, and on which task (a claim-next request's is the one it picked). */
  const decide = async (queued: claims.ClaimRow, operator: operators.OperatorRow): Promise<{ decision: ClaimDecision; task?: tasks.TaskView }> => {
    const activeTaskCount = activeCounts.get(operator.id) ?? 0;
    const limit = operator.max_active_tasks ?? deps.defaultMaxActiveTasks;
    if (queued.action === 'claim_next') {
      const facts = { operator, activeTaskCount, limit };
      const task = refuseClaimNext(facts) ? undefined : await pickFor(queued);
      return { decision: decideClaimNext({ ...facts, picked: Boolean(task) }), task };
    }
    const task = lockedTasks.get(queued.task_id as number);
    const assignedOperator = task ? (assignees.get(task.id) ?? null) : null;
    if (queued.action === 'release') {
      return { decision: decideRelease({ operator, taskId: queued.task_id as number, task: task ? { id: task.id, status: task.status, assignedOperator } : null }), task };
    }
    const decision = decideClaim({
      operator,
      taskId: queued.task_id as number,
      task: task
        ? {
            id: task.id,
            status: task.status,
            assignedDepartment: task.assigned_department_id ? { id: task.assigned_department_id, name: task.department_name ?? '' } : null,
            assignedOperator,
          }
        : null,
      operatorIsMemberOfTaskDepartment: memberships.has(`${operator.id}:${task?.assigned_department_id}`),
      activeTaskCount,
      limit,
    });
    return { decision, task };
  };

  for (const queued of batch) {
    const operator = lockedOperators.get(queued.operator_id);
    if (!operator) throw new Error(`operator ${queued.operator_id} of claim ${queued.id} is missing`);
    const { decision, task } = await decide(queued, operator);
    if (task && decision.outcome === 'succeeded' && !decision.alreadyClaimed) {
      // A release gives back a pending task, which counted towards the operator's limit.
      const release = queued.action === 'release';
      assignees.set(task.id, release ? null : { id: operator.id, username: operator.username });
      activeCounts.set(operator.id, (activeCounts.get(operator.id) ?? 0) + (release ? -1 : 1));
      newAssignments.set(task.id, release ? null : operator.id);
      newNotifications.push({
        type: release ? 'task_released' : 'task_assigned',
        operatorId: operator.id,
        claimId: queued.id,
        taskId: task.id,
        workOrderId: task.work_order_id,
        params: { work_content: task.work_content, order_number: task.order_number, notes: queued.notes },
      });
    }
    decisions.push({ claimId: queued.id, decision, taskId: queued.action === 'claim_next' ? task?.id : undefined });
  }
  const updatedAt = await tasks.assignOperators(trx, newAssignments);
  for (const [taskId, operatorId] of newAssignments) {
    const operator = operatorId === null ? undefined : lockedOperators.get(operatorId);
    lockedTasks.set(taskId, assignedView(lockedTasks.get(taskId) as tasks.TaskView, operator, updatedAt.get(taskId) as Date));
  }
  await notifications.insertNotifications(trx, newNotifications);
  const rows = await claims.recordDecisions(trx, decisions);

  const decided: DecidedClaimReport[] = [];
  for (const [index, queued] of batch.entries()) {
    const claim = rows.get(queued.id) as claims.ClaimRow;
    const task = claim.task_id === null ? undefined : lockedTasks.get(claim.task_id);
    // The outbox row commits with the decision, so a crash after commit still delivers the webhook.
    const webhook = claim.callback_url ? await recordClaimEvent(trx, claim, task) : undefined;
    decided.push({ claim, task, username: lockedOperators.get(claim.operator_id)?.username, decision: decisions[index].decision, webhook });
  }
  return decided;
}
