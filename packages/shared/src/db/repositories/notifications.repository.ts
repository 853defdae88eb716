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
