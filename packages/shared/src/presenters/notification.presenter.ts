import type { NotificationRow } from '../db/repositories/notifications.repository';
import type { NotificationResource } from '../contracts/notifications';
import { renderMessage, type Language } from '../domain/messages';

export function presentNotification(row: NotificationRow, language: Language): NotificationResource {
  const notes = row.params.notes ? renderMessage('notification_notes', row.params, language) : '';
  return {
    id: row.id,
    type: row.type,
    title: renderMessage('notification_title', row.params, language),
    content: renderMessage('notification_content', row.params, language) + notes,
    priority: row.priority,
    task_id: row.task_id,
    work_order_id: row.work_order_id,
    created_at: row.created_at.toISOString(),
    read_at: row.read_at ? row.read_at.toISOString() : null,
  };
}
