import { renderMessage, type Language, type MessageKey, type NotificationType } from '@taskclaim/shared/domain';
import type { NotificationResource } from '../contracts/notifications';
import type { NotificationReason, NotificationRow } from '@taskclaim/shared/db';

type Texts = { title: MessageKey; content: MessageKey };
const TEXTS: Record<NotificationType, Texts> = {
  task_assigned: { title: 'notification_title', content: 'notification_content' },
  task_released: { title: 'release_notification_title', content: 'notification_content' },
};
/** A task that changed hands without its operator asking: the lease ran out, or a supervisor moved it. */
const REASON_TEXTS: Record<NotificationReason, Record<NotificationType, Texts>> = {
  lease_expired: {
    task_released: { title: 'lease_notification_title', content: 'lease_notification_content' },
    task_assigned: TEXTS.task_assigned,
  },
  reassigned: {
    task_released: { title: 'reassigned_away_notification_title', content: 'reassigned_away_notification_content' },
    task_assigned: { title: 'reassigned_to_notification_title', content: 'reassigned_to_notification_content' },
  },
};

export function presentNotification(row: NotificationRow, language: Language): NotificationResource {
  const texts = row.params.reason ? REASON_TEXTS[row.params.reason][row.type] : TEXTS[row.type];
  const notes = row.params.notes ? renderMessage('notification_notes', row.params, language) : '';
  return {
    id: row.id,
    type: row.type,
    title: renderMessage(texts.title, row.params, language),
    content: renderMessage(texts.content, row.params, language) + notes,
    priority: row.priority,
    task_id: row.task_id,
    work_order_id: row.work_order_id,
    created_at: row.created_at.toISOString(),
    read_at: row.read_at ? row.read_at.toISOString() : null,
  };
}
