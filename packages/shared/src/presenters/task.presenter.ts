import type { TaskView } from '../db/repositories/tasks.repository';
import type { TaskResource } from '../contracts/tasks';

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export function presentTask(task: TaskView): TaskResource {
  return {
    id: task.id,
    work_order: { id: task.work_order_id, order_number: task.order_number },
    work_content: task.work_content,
    status: task.status,
    assigned_department: task.assigned_department_id ? { id: task.assigned_department_id, name: task.department_name ?? '' } : null,
    assigned_operator: task.assigned_operator_id
      ? {
          id: task.assigned_operator_id,
          username: task.operator_username ?? '',
          first_name: task.operator_first_name ?? '',
          last_name: task.operator_last_name ?? '',
        }
      : null,
    priority: task.priority,
    due_at: iso(task.due_at),
    required_skills: task.required_skills,
    claimed_at: iso(task.claimed_at),
    lease_expires_at: iso(task.lease_expires_at),
    created_at: task.created_at.toISOString(),
    updated_at: task.updated_at.toISOString(),
  };
}
