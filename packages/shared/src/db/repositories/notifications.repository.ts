import type { Knex } from 'knex';

export interface NotificationRow {
  id: number;
  operator_id: number;
  type: 'task_assigned';
  params: { work_content: string; order_number: string; notes: string };
  priority: string;
  task_id: number | null;
  work_order_id: number | null;
  claim_id: number | null;
  created_at: Date;
  read_at: Date | null;
}

export interface TaskAssignedNotification {
  operatorId: number;
  claimId: number;
  taskId: number;
  workOrderId: number;
  params: NotificationRow['params'];
}

export async function insertTaskAssigned(trx: Knex.Transaction, notifications: TaskAssignedNotification[]): Promise<void> {
  if (notifications.length === 0) return;
  await trx('notifications').insert(
    notifications.map((n) => ({
      operator_id: n.operatorId,
      type: 'task_assigned',
      params: n.params,
      task_id: n.taskId,
      work_order_id: n.workOrderId,
      claim_id: n.claimId,
    })),
  );
}

export async function pageNotifications(
  db: Knex,
  operatorId: number,
  page: { offset: number; limit: number },
): Promise<{ count: number; results: NotificationRow[] }> {
  const [{ count }] = await db('notifications').where({ operator_id: operatorId }).count({ count: '*' });
  const results = await db<NotificationRow>('notifications')
    .where({ operator_id: operatorId })
    .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
    .offset(page.offset)
    .limit(page.limit);
  return { count: Number(count), results };
}
