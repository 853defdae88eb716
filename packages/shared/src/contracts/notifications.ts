import { z } from 'zod';
import { NOTIFICATION_TYPES } from '../db/repositories/notifications.repository';
import { pagedResponse } from './common';

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
