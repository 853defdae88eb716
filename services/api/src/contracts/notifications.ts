import { z } from 'zod';
import { id, pagedResponse } from '@taskclaim/shared/contracts';
import { NOTIFICATION_TYPES } from '@taskclaim/shared/domain';

export const notificationResource = z
  .object({
    id: z.number().int(),
    type: z.enum(NOTIFICATION_TYPES),
    title: z.string(),
    content: z.string(),
    priority: z.string(),
    task_id: z.number().int().nullable(),
    work_order_id: z.number().int().nullable(),
    created_at: z.string(),
    read_at: z.string().nullable(),
  })
  .meta({ id: 'Notification' });
export type NotificationResource = z.infer<typeof notificationResource>;

export const notificationPage = pagedResponse(notificationResource).meta({ id: 'NotificationPage', description: 'Newest first.' });

/** Only the caller's notifications are marked: ids of others' are ignored. */
export const markNotificationsReadBody = z
  .object({
    ids: z
      .array(id)
      .max(1000)
      .optional()
      .meta({ description: 'The notifications to mark read; without it, all of the caller’s.' }),
  })
  .strict()
  .meta({ id: 'MarkNotificationsRead' });

export const notificationsMarkedRead = z
  .object({ updated: z.number().int().meta({ description: 'How many of them were unread and are read now.' }) })
  .meta({ id: 'NotificationsMarkedRead' });
