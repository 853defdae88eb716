import { z } from 'zod';
import { TASK_STATUSES } from '../domain/vocabulary';
import { dateTime, id, pagedResponse, skillSet, text } from './common';

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
    priority: z.number().int().meta({ description: '0–100, higher is more urgent' }),
    due_at: z.string().nullable(),
    required_skills: z.array(z.string()),
    claimed_at: z.string().nullable().meta({ description: 'when its current assignee got it' }),
    lease_expires_at: z.string().nullable().meta({ description: 'when the claim goes back to the pool unless started; null without a lease, once started, or when unassigned' }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Task' });
export type TaskResource = z.infer<typeof taskResource>;

export const claimablePage = pagedResponse(taskResource)
  .extend({ claimable_count: z.number().int() })
  .meta({ id: 'ClaimablePage', description: 'Pending, unassigned tasks of the departments of the operator whose required skills the operator has, in dispatch order: priority descending, then due_at ascending (tasks with a due date first), then created_at, then id.' });
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
    priority: z.number().int().min(0).max(100).optional(),
    due_at: dateTime.nullable().optional(),
    required_skills: skillSet.optional(),
  })
  .strict()
  .meta({
    id: 'TaskUpsert',
    description:
      'On update an omitted optional field keeps its value: assigned_operator_id (null clears it), priority (a new task gets 50), due_at (null clears it), required_skills (a new task requires none).',
  });

export const bulkTaskUpsert = z
  .array(taskUpsert.extend({ id }).strict())
  .min(1)
  .max(1000)
  .refine((tasks) => new Set(tasks.map((task) => task.id)).size === tasks.length, 'task ids must be unique')
  .meta({ id: 'BulkTaskUpsert', description: 'Up to 1000 tasks with unique ids, upserted in one transaction.' });

export const bulkTaskResult = z
  .object({ count: z.number().int(), created: z.number().int(), updated: z.number().int() })
  .meta({ id: 'BulkTaskResult' });
