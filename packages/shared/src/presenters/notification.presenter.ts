import type { NotificationRow, NotificationType } from '../db/repositories/notifications.repository';
import type { NotificationResource } from '../contracts/notifications';
import { renderMessage, type Language, type MessageKey } from '../domain/messages';

const TEXTS: Record<NotificationType, { title: MessageKey; content: MessageKey }> = {
  task_assigned: { title: 'notification_title', content: 'notification_content' },
  task_released: { title: 'release_notification_title', content: 'release_notification_content' },
};

export function presentNotification(row: NotificationRow, language: Language): NotificationResource {
  const notes = row.params.notes ? renderMessage('notification_notes', row.params, language) : '';
  return {
    id: row.id,
    type: row.type,
    title: renderMessage(TEXTS[row.type].title, row.params, language),
    content: renderMessage(TEXTS[row.type].content, row.params, language) + notes,
    priority: row.priority,
    task_id: row.task_id,
    work_order_id: row.work_order_id,
    created_at: row.created_at.toISOString(),
    read_at: row.read_at ? row.read_at.toISOString() : null,
  };
}
