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
  | { kind: 'decided'; decided: DecidedClaim[] }
  /** Already decided: a re-delivered job, or an earlier claim's transaction decided it. Nothing changes. */
  | { kind: 'already_terminal' }
  | { kind: 'missing' };

export interface ApplyClaimDeps {
  db: Knex;
  defaultMaxActiveTasks: number;
  /** runs inside the transaction once every lock is held (the fault tests stretch it) */
  afterLocks?: () => Promise<void>;
}

/**
 * Decides one claim in one transaction, together with the claims on the same task accepted
 * before it and not yet decided, in accept order. Locks: the claim rows (ascending), then the task row,
 * then the operator rows (in id order: the capacity check must see every concurrent claim of
 * the same operator on other tasks, and shared operators must not deadlock).
 */
export async function applyClaim(deps: ApplyClaimDeps, claimId: number): Promise<ApplyClaimResult> {
  return deps.db.transaction(async (trx) => {
    const claim = await claims.findClaim(trx, claimId);
    if (!claim) return { kind: 'missing' };
    // Locks this claim together with the earlier queued ones, all in ascending id order: every
    // transaction on a task takes claim locks in the same order, so two of them never deadlock.
    const batch = await claims.lockQueuedClaimsOfTaskUpTo(trx, claim.task_id, claim.id);
    if (batch.at(-1)?.id !== claim.id) return { kind: 'already_terminal' };
    const task = await tasks.lockTaskView(trx, claim.task_id);
    const operatorIds = [...new Set(batch.map((c) => c.operator_id))];
    const lockedOperators = await operators.lockOperators(trx, operatorIds);
    const members = task?.assigned_department_id
      ? await operators.membersOfDepartment(trx, task.assigned_department_id, operatorIds)
      : new Set<number>();
    const activeCounts = await tasks.countActiveTasks(trx, operatorIds);
    await deps.afterLocks?.();

    let assignee = task?.assigned_operator_id ? { id: task.assigned_operator_id, username: task.operator_username ?? '' } : null;
    const decided: DecidedClaim[] = [];
    for (const queued of batch) {
      const operator = lockedOperators.get(queued.operator_id);
      if (!operator) throw new Error(`operator ${queued.operator_id} of claim ${queued.id} is missing`);
      const decision = decideClaim({
        operator,
        taskId: queued.task_id,
        task: task ? {
          id: task.id,
          status: task.status,
          assignedDepartment: task.assigned_department_id ? { id: task.assigned_department_id, name: task.department_name ?? '' } : null,
          assignedOperator: assignee,
        } : null,
        operatorIsMemberOfTaskDepartment: members.has(operator.id),
        activeTaskCount: activeCounts.get(operator.id) ?? 0,
        limit: operator.max_active_tasks ?? deps.defaultMaxActiveTasks,
      });
      if (task && decision.outcome === 'succeeded' && !decision.alreadyClaimed) {
        assignee = { id: operator.id, username: operator.username };
        activeCounts.set(operator.id, (activeCounts.get(operator.id) ?? 0) + 1);
        await tasks.assignOperator(trx, task.id, operator.id);
        await notifications.insertTaskAssigned(trx, {
          operatorId: operator.id,
          claimId: queued.id,
          taskId: task.id,
          workOrderId: task.work_order_id,
          params: { work_content: task.work_content, order_number: task.order_number, notes: queued.notes },
        });
      }
      await claims.recordDecision(trx, queued.id, decision);
      // The outbox row commits with the decision, so a crash after commit still delivers the webhook.
      const webhook = queued.callback_url ? await recordClaimEvent(trx, queued.id) : undefined;
      decided.push({ claimId: queued.id, taskId: queued.task_id, submittedAt: queued.submitted_at, decision, webhook });
    }
    return { kind: 'decided', decided };
  });
}
