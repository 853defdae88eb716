import type { Knex } from 'knex';
import { type NotificationRow } from '@taskclaim/shared/db';
import { isReadablePage } from '@taskclaim/shared/domain';

/** An operator's notifications as only the API reads and marks them. (The decision writes them, in the shared claims repository.) */

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
