import type { Knex } from 'knex';
import { isReadablePage } from '../../domain/list-depth';
import type { NotificationType } from '../../domain/vocabulary';

export type NotificationReason = 'lease_expired' | 'reassigned';

export interface NotificationRow {
  id: number;
  operator_id: number;
  type: NotificationType;
  /** `reason`: why a task was released or assigned other than by its operator's own request */
  params: { work_content: string; order_number: string; notes: string; reason?: NotificationReason };
  priority: string;
  task_id: number | null;
  work_order_id: number | null;
  claim_id: number | null;
  created_at: Date;
  read_at: Date | null;
}

export interface NewNotification {
  type: NotificationType;
  operatorId: number;
  claimId: number;
  taskId: number;
  workOrderId: number;
  params: NotificationRow['params'];
}

/**
 * The operator's notifications. `departmentIds`: only those of tasks of those departments (a narrowed
 * token scope; a notification of a deleted task then belongs to none); undefined: all of them.
 */
function notificationsOf(db: Knex, operatorId: number, departmentIds?: readonly number[]) {
  const query = db<NotificationRow>('notifications').where({ operator_id: operatorId });
  return departmentIds ? query.whereIn('task_id', db('work_order_tasks').select('id').whereIn('assigned_department_id', departmentIds)) : query;
}

export async function pageNotifications(
  db: Knex,
  operatorId: number,
  page: { offset: number; limit: number },
  departmentIds?: readonly number[],
): Promise<{ count: number; results: NotificationRow[] }> {
  const [{ count }] = await notificationsOf(db, operatorId, departmentIds).count({ count: '*' });
  // A page past the end or too deep (MAX_LIST_DEPTH) reads nothing; any other comes off notifications_operator_newest_idx in order.
  const results = isReadablePage(page, Number(count))
    ? await notificationsOf(db, operatorId, departmentIds)
        .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
        .offset(page.offset)
        .limit(page.limit)
    : [];
  return { count: Number(count), results };
}

/** Marks the operator's unread notifications read: those of `ids` (others' ids match none), or all. Returns how many. */
export async function markNotificationsRead(db: Knex, operatorId: number, ids: readonly number[] | undefined, departmentIds?: readonly number[]): Promise<number> {
  const unread = notificationsOf(db, operatorId, departmentIds).whereNull('read_at');
  if (ids) unread.whereIn('id', ids);
  return unread.update({ read_at: db.fn.now() });
}
