import type { Knex } from 'knex';
import { decideClaim, type ClaimDecision, type ClaimFacts } from '../domain/decide-claim';
import type { NotificationType, TaskStatus } from '../domain/vocabulary';
import { decideClaimNext, refuseClaimNext } from '../domain/decide-claim-next';
import { decideExpire } from '../domain/decide-expire';
import { decideReassign } from '../domain/decide-reassign';
import { decideRelease } from '../domain/decide-release';
import { decideStart } from '../domain/decide-start';
import * as claims from '../db/repositories/claims.repository';
import * as notifications from '../db/repositories/notifications.repository';
import * as operators from '../db/repositories/operators.repository';
import * as tasks from '../db/repositories/tasks.repository';
import type { DecidedClaim } from '../queue/claim-events';
import { presentTask } from '../presenters/task.presenter';
import { recordClaimEvent } from './record-claim-event';

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

/** The task view after this transaction's changes, built from rows already locked. */
function changedView(task: tasks.TaskView, operator: operators.OperatorRow | undefined, status: TaskStatus, written: tasks.TaskTimestamps): tasks.TaskView {
  return {
    ...task,
    ...written,
    status,
    lease_expired: false,
    assigned_operator_id: operator?.id ?? null,
    operator_username: operator?.username ?? null,
    operator_first_name: operator?.first_name ?? null,
    operator_last_name: operator?.last_name ?? null,
  };
}

/** A task as the requests decided so far in the transaction leave it. */
interface TaskState {
  assignee: { id: number; username: string } | null;
  status: TaskStatus;
  /** its lease had run out when the transaction began, and no request of it renewed or ended the lease since */
  leaseExpired: boolean;
}

const stateOf = (task: tasks.TaskView): TaskState => ({
  assignee: task.assigned_operator_id ? { id: task.assigned_operator_id, username: task.operator_username ?? '' } : null,
  status: task.status,
  leaseExpired: task.lease_expired,
});

/** Decides the queued claims of a scope in one transaction of its own (the queue worker): each locked claim is decided. */
export async function decideQueuedClaims(deps: ApplyClaimDeps, scope: ApplyScope): Promise<DecidedClaim[]> {
  return deps.db.transaction(async (trx) => {
    const batch = 'partitions' in scope ? await claims.lockOldestQueuedClaimsOfPartitions(trx, scope) : await claims.lockQueuedClaims(trx, scope.claimIds);
    return decideLockedClaims(trx, deps, batch);
  });
}

/**
 * Decides claim requests (claims, claim-next, releases, starts, reassigns and lease expiries) whose
 * rows the transaction has locked, in accept (id) order, each seeing the tasks as the requests before
 * it left them, and writes the outcomes. Further locks, each set in ascending id order so concurrent
 * transactions never deadlock: the task rows, then the operator rows (the capacity check must see
 * every concurrent claim of an operator on other tasks); a claim-next request then picks its task
 * with SKIP LOCKED, which never waits. A reassign's previous holder is not locked: only the target's
 * capacity is checked, and the holder's count only goes down.
 */
export async function decideLockedClaims(trx: Knex.Transaction, deps: Omit<ApplyClaimDeps, 'db'>, batch: claims.ClaimRow[]): Promise<DecidedClaim[]> {
  if (batch.length === 0) return [];
  const operatorIds = [...new Set(batch.map((c) => c.operator_id))];
  const locked = await tasks.lockForDecision(trx, [...new Set(batch.flatMap((c) => c.task_id ?? []))], operatorIds);
  const { tasks: lockedTasks, operators: lockedOperators, departmentsOf, activeCounts } = locked;
  const memberships = new Set([...departmentsOf].flatMap(([operatorId, departmentIds]) => departmentIds.map((id) => `${operatorId}:${id}`)));

  const states = new Map([...lockedTasks.values()].map((task) => [task.id, stateOf(task)]));
  /** what this transaction writes to each task it changed */
  const changes = new Map<number, tasks.TaskChange>();
  const newNotifications: notifications.NewNotification[] = [];
  const decisions: claims.Decision[] = [];
  const countOf = (operatorId: number) => activeCounts.get(operatorId) ?? 0;
  /** claim id → its task as it stood right after that request was decided, and whether this transaction had changed the task by then */
  const taskAfter = new Map<number, { taskId: number; assigneeId: number | null; status: TaskStatus; changed: boolean }>();

  /** A claim-next request's task: picked among its operator's departments (within its own narrowing), none taken in this batch. */
  const pickFor = async (queued: claims.ClaimRow, operator: operators.OperatorRow): Promise<tasks.TaskView | undefined> => {
    const allowed = (departmentsOf.get(queued.operator_id) ?? []).filter((id) => !queued.department_ids || queued.department_ids.includes(id));
    const taken = [...changes].flatMap(([taskId, change]) => (change.operatorId === null ? [] : taskId));
    const picked = await tasks.pickClaimableTask(trx, { claimId: queued.id, departmentIds: allowed, skills: operator.skills, taken });
    if (picked) {
      lockedTasks.set(picked.id, picked);
      states.set(picked.id, stateOf(picked));
    }
    return picked;
  };

  /** The facts of the claim rules (§3) for an operator taking a task: a claim's, or a reassign's target. */
  const claimFacts = (queued: claims.ClaimRow, operator: operators.OperatorRow, task: tasks.TaskView | undefined): ClaimFacts => ({
    operator,
    taskId: queued.task_id as number,
    task: task
      ? {
          id: task.id,
          status: (states.get(task.id) as TaskState).status,
          assignedDepartment: task.assigned_department_id ? { id: task.assigned_department_id, name: task.department_name ?? '' } : null,
          assignedOperator: (states.get(task.id) as TaskState).assignee,
          requiredSkills: task.required_skills,
        }
      : null,
    operatorIsMemberOfTaskDepartment: memberships.has(`${operator.id}:${task?.assigned_department_id}`),
    activeTaskCount: countOf(operator.id),
    limit: operator.max_active_tasks ?? deps.defaultMaxActiveTasks,
  });

  /** What one request decides, and on which task (a claim-next request's is the one it picked). */
  const decideRequest = async (queued: claims.ClaimRow, operator: operators.OperatorRow): Promise<{ decision: ClaimDecision; task?: tasks.TaskView }> => {
    if (queued.action === 'claim_next') {
      const facts = { operator, activeTaskCount: countOf(operator.id), limit: operator.max_active_tasks ?? deps.defaultMaxActiveTasks };
      const task = refuseClaimNext(facts) ? undefined : await pickFor(queued, operator);
      return { decision: decideClaimNext({ ...facts, picked: Boolean(task) }), task };
    }
    const task = lockedTasks.get(queued.task_id as number);
    const state = task && (states.get(task.id) as TaskState);
    const taskId = queued.task_id as number;
    switch (queued.action) {
      case 'release':
        return { decision: decideRelease({ operator, taskId, task: task && state ? { id: task.id, status: state.status, assignedOperator: state.assignee } : null }), task };
      case 'start':
        return { decision: decideStart({ operator, taskId, task: task && state ? { id: task.id, status: state.status, assignedOperator: state.assignee } : null }), task };
      case 'expire':
        return { decision: decideExpire({ operator, taskId, task: task && state ? { id: task.id, status: state.status, assignedOperator: state.assignee, leaseExpired: state.leaseExpired } : null }), task };
      case 'reassign':
        return { decision: decideReassign(claimFacts(queued, operator, task)), task };
      case 'claim':
        return { decision: decideClaim(claimFacts(queued, operator, task)), task };
    }
  };

  /** A request that succeeded and changes its task: the task's new state, the operators' counts, the notifications. */
  const applyToTask = (queued: claims.ClaimRow, operator: operators.OperatorRow, task: tasks.TaskView) => {
    const state = states.get(task.id) as TaskState;
    const notify = (type: NotificationType, operatorId: number, reason?: notifications.NotificationReason) =>
      newNotifications.push({
        type,
        operatorId,
        claimId: queued.id,
        taskId: task.id,
        workOrderId: task.work_order_id,
        params: { work_content: task.work_content, order_number: task.order_number, notes: queued.notes, ...(reason ? { reason } : {}) },
      });
    const assignTo = (reason?: notifications.NotificationReason) => {
      state.assignee = { id: operator.id, username: operator.username };
      state.leaseExpired = false;
      activeCounts.set(operator.id, countOf(operator.id) + 1);
      notify('task_assigned', operator.id, reason);
    };
    const unassign = (from: number, reason?: notifications.NotificationReason) => {
      state.assignee = null;
      activeCounts.set(from, countOf(from) - 1);
      notify('task_released', from, reason);
    };
    switch (queued.action) {
      case 'claim':
      case 'claim_next':
        assignTo();
        break;
      case 'release':
        unassign(operator.id);
        break;
      case 'expire':
        unassign(operator.id, 'lease_expired');
        break;
      case 'start':
        state.status = 'in_progress';
        state.leaseExpired = false;
        break;
      case 'reassign':
        if (state.assignee) unassign(state.assignee.id, 'reassigned');
        assignTo('reassigned');
        break;
    }
    const assignedNow = queued.action === 'claim' || queued.action === 'claim_next' || queued.action === 'reassign';
    changes.set(task.id, { operatorId: state.assignee?.id ?? null, status: state.status, assignedNow: assignedNow || Boolean(changes.get(task.id)?.assignedNow) });
  };

  for (const queued of batch) {
    const operator = lockedOperators.get(queued.operator_id);
    if (!operator) throw new Error(`operator ${queued.operator_id} of claim ${queued.id} is missing`);
    const holderBefore = queued.task_id === null ? null : (states.get(queued.task_id)?.assignee?.id ?? null);
    const { decision, task } = await decideRequest(queued, operator);
    if (task && decision.outcome === 'succeeded' && !decision.alreadyClaimed) applyToTask(queued, operator, task);
    const state = task && states.get(task.id);
    if (task && state) taskAfter.set(queued.id, { taskId: task.id, assigneeId: state.assignee?.id ?? null, status: state.status, changed: changes.has(task.id) });
    decisions.push({
      claimId: queued.id,
      decision,
      taskId: queued.action === 'claim_next' ? task?.id : undefined,
      previousOperatorId: queued.action === 'reassign' ? holderBefore : undefined,
    });
  }
  const written = await tasks.writeTaskChanges(trx, changes);
  // Each request's history entry: its task as it stood then (timestamps are those the transaction wrote).
  for (const entry of decisions) {
    const after = taskAfter.get(entry.claimId);
    if (!after) continue;
    const before = lockedTasks.get(after.taskId) as tasks.TaskView;
    const assignee = after.assigneeId === null ? undefined : lockedOperators.get(after.assigneeId);
    entry.taskAfter = presentTask(after.changed ? changedView(before, assignee, after.status, written.get(after.taskId) as tasks.TaskTimestamps) : before);
  }
  for (const [taskId, change] of changes) {
    const operator = change.operatorId === null ? undefined : lockedOperators.get(change.operatorId);
    lockedTasks.set(taskId, changedView(lockedTasks.get(taskId) as tasks.TaskView, operator, change.status, written.get(taskId) as tasks.TaskTimestamps));
  }
  const rows = await claims.recordDecisions(trx, decisions, newNotifications);

  const decided: DecidedClaim[] = [];
  for (const queued of batch) {
    const claim = rows.get(queued.id) as claims.ClaimRow;
    const task = claim.task_id === null ? undefined : lockedTasks.get(claim.task_id);
    // The outbox row commits with the decision, so a crash after commit still delivers the webhook.
    const webhook = claim.callback_url ? await recordClaimEvent(trx, claim, task) : undefined;
    decided.push({ claim, task, username: lockedOperators.get(claim.operator_id)?.username, webhook });
  }
  return decided;
}
