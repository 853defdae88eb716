import { z } from 'zod';
import { TASK_STATUSES } from '../domain/decide-claim';
import { id, pagedResponse, text } from './common';

const taskStatus = z.enum(TASK_STATUSES);

export const operatorSummary = z
  .object({
    id: z.number().int(),
    username: z.string(),
    first_name: z.string(),
    last_name: z.string(),
  })
  .meta({ id: 'OperatorSummary' });

export const taskResource = z
  .object({
    id: z.number().int(),
    work_order: z.object({ id: z.number().int(), order_number: z.string() }),
    work_content: z.string(),
    status: taskStatus,
    assigned_department: z.object({ id: z.number().int(), name: z.string() }).nullable(),
    assigned_operator: operatorSummary.nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Task' });
export type TaskResource = z.infer<typeof taskResource>;

export const claimablePage = pagedResponse(taskResource)
  .extend({ claimable_count: z.number().int() })
  .meta({ id: 'ClaimablePage', description: 'Pending, unassigned tasks of the departments of the operator, oldest first.' });
export type ClaimablePage = z.infer<typeof claimablePage>;

export const myTasks = z
  .object({
    active_count: z.number().int(),
    limit: z.number().int(),
    results: z.array(taskResource),
  })
  .meta({ id: 'MyTasks', description: 'The active tasks (pending and in_progress) assigned to the operator, and their limit.' });
export type MyTasks = z.infer<typeof myTasks>;

export const taskUpsert = z
  .object({
    work_order: z.object({ id, order_number: text().min(1).max(200) }).strict(),
    work_content: text().min(1).max(2000),
    status: taskStatus,
    assigned_department_id: id.nullable(),
    assigned_operator_id: id.nullable().optional(),
  })
  .strict()
  .meta({ id: 'TaskUpsert', description: 'An omitted assigned_operator_id keeps the current assignee; null clears it.' });

export const bulkTaskUpsert = z
  .array(taskUpsert.extend({ id }).strict())
  .min(1)
  .max(1000)
  .refine((tasks) => new Set(tasks.map((task) => task.id)).size === tasks.length, 'task ids must be unique')
  .meta({ id: 'BulkTaskUpsert', description: 'Up to 1000 tasks with unique ids, upserted in one transaction.' });

export const bulkTaskResult = z
  .object({ count: z.number().int(), created: z.number().int(), updated: z.number().int() })
  .meta({ id: 'BulkTaskResult' });
