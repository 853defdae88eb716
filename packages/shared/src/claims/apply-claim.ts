import type { Knex } from 'knex';
import { decideClaim, type ClaimDecision } from '../domain/decide-claim';
import * as claims from '../db/repositories/claims.repository';
import * as notifications from '../db/repositories/notifications.repository';
import * as operators from '../db/repositories/operators.repository';
import * as tasks from '../db/repositories/tasks.repository';
import type { WebhookJobData } from '../queue/webhook-queue';
import { recordClaimEvent } from './record-claim-event';

export interface DecidedClaim {
  claimId: number;
  taskId: number;
  submittedAt: Date;
  decision: ClaimDecision;
  /** its webhook outbox row, committed with the decision: enqueue it after commit */
  webhook?: WebhookJobData;
}

export type ApplyClaimResult =
  /** `targetDecided` false: the batch was full before it reached the claim itself; apply again. */
  | { kind: 'decided'; decided: DecidedClaim[]; targetDecided: boolean }
  /** Already decided (a re-delivered job, or another transaction decided it) and nothing else waits. */
  | { kind: 'already_terminal' }
  | { kind: 'missing' };

export interface ApplyClaimDeps {
  db: Knex;
  defaultMaxActiveTasks: number;
  /** runs inside the transaction once every lock is held (the fault tests stretch it) */
  afterLocks?: () => Promise<void>;
}

/**
 * What one transaction decides besides the claim itself, always oldest first:
 * - no scope (inline dispatch): the queued claims of the same task accepted before it;
 * - a partition (the queue worker): the oldest queued claims of the whole partition, up to `limit`,
 *   even when the claim itself is already decided — one commit for many claims, while each task
 *   still sees its claims in accept order. The jobs of claims decided this way find nothing to do.
 */
export interface ApplyScope {
  partition: number;
  limit: number;
}

/**
 * Decides a claim and the earlier queued claims of its scope in one transaction. Locks, each set in
 * ascending id order so concurrent transactions never deadlock: the claim rows, then the task rows,
 * then the operator rows (the capacity check must see every concurrent claim of an operator on
 * other tasks).
 */
export async function applyClaim(deps: ApplyClaimDeps, claimId: number, scope?: ApplyScope): Promise<ApplyClaimResult> {
  return deps.db.transaction(async (trx) => {
    const claim = await claims.findClaim(trx, claimId);
    if (!claim) return { kind: 'missing' };
    const alreadyDecided = claims.isTerminal(claim.status);
    if (alreadyDecided && !scope) return { kind: 'already_terminal' };
    const batch = scope
      ? await claims.lockOldestQueuedClaimsOfPartition(trx, { ...scope, taskId: claim.task_id })
      : await claims.lockQueuedClaimsOfTaskUpTo(trx, claim.task_id, claim.id);
    if (batch.length === 0) return { kind: 'already_terminal' };
    const targetDecided = alreadyDecided || batch.some((queued) => queued.id === claim.id);

    const lockedTasks = await tasks.lockTaskViews(trx, [...new Set(batch.map((c) => c.task_id))]);
    const operatorIds = [...new Set(batch.map((c) => c.operator_id))];
    const lockedOperators = await operators.lockOperators(trx, operatorIds);
    const departmentIds = [...new Set([...lockedTasks.values()].flatMap((task) => task.assigned_department_id ?? []))];
    const memberships = await operators.memberships(trx, operatorIds, departmentIds);
    const activeCounts = await tasks.countActiveTasks(trx, operatorIds);
    await deps.afterLocks?.();

    const assignees = new Map([...lockedTasks.values()].map((task) => [
      task.id,
      task.assigned_operator_id ? { id: task.assigned_operator_id, username: task.operator_username ?? '' } : null,
    ]));
    const newAssignments = new Map<number, number>();
    const newNotifications: notifications.TaskAssignedNotification[] = [];
    const decisions: { claimId: number; decision: ClaimDecision }[] = [];
    for (const queued of batch) {
      const operator = lockedOperators.get(queued.operator_id);
      if (!operator) throw new Error(`operator ${queued.operator_id} of claim ${queued.id} is missing`);
      const task = lockedTasks.get(queued.task_id);
      const decision = decideClaim({
        operator,
        taskId: queued.task_id,
        task: task
          ? {
              id: task.id,
              status: task.status,
              assignedDepartment: task.assigned_department_id ? { id: task.assigned_department_id, name: task.department_name ?? '' } : null,
              assignedOperator: assignees.get(task.id) ?? null,
            }
          : null,
        operatorIsMemberOfTaskDepartment: memberships.has(`${operator.id}:${task?.assigned_department_id}`),
        activeTaskCount: activeCounts.get(operator.id) ?? 0,
        limit: operator.max_active_tasks ?? deps.defaultMaxActiveTasks,
      });
      if (task && decision.outcome === 'succeeded' && !decision.alreadyClaimed) {
        assignees.set(task.id, { id: operator.id, username: operator.username });
        activeCounts.set(operator.id, (activeCounts.get(operator.id) ?? 0) + 1);
        newAssignments.set(task.id, operator.id);
        newNotifications.push({
          operatorId: operator.id,
          claimId: queued.id,
          taskId: task.id,
          workOrderId: task.work_order_id,
          params: { work_content: task.work_content, order_number: task.order_number, notes: queued.notes },
        });
      }
      decisions.push({ claimId: queued.id, decision });
    }
    await tasks.assignOperators(trx, newAssignments);
    await notifications.insertTaskAssigned(trx, newNotifications);
    await claims.recordDecisions(trx, decisions);

    const decided: DecidedClaim[] = [];
    for (const [index, queued] of batch.entries()) {
      // The outbox row commits with the decision, so a crash after commit still delivers the webhook.
      const webhook = queued.callback_url ? await recordClaimEvent(trx, queued.id) : undefined;
      decided.push({ claimId: queued.id, taskId: queued.task_id, submittedAt: queued.submitted_at, decision: decisions[index].decision, webhook });
    }
    return { kind: 'decided', decided, targetDecided };
  });
}
