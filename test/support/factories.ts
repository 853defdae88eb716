import type { Http } from './http';

let nextId = 1000;
const newId = () => nextId++;

export interface Factories {
  newDepartment(overrides?: { name?: string; claimLeaseSeconds?: number }): Promise<{ id: number; name: string }>;
  newOperator(overrides?: {
    departmentIds?: number[];
    maxActiveTasks?: number | null;
    active?: boolean;
    username?: string;
    skills?: string[];
  }): Promise<{ id: number; username: string; token: string }>;
  newTask(overrides?: {
    departmentId?: number | null;
    status?: string;
    assignedOperatorId?: number | null;
    workContent?: string;
    priority?: number;
    dueAt?: string | null;
    requiredSkills?: string[];
  }): Promise<{ id: number; workOrderId: number }>;
  newToken(body: Record<string, unknown>): Promise<{ id: number; token: string; webhook_secret?: string }>;
  /** claims through the API and waits (Prefer: wait) for the outcome */
  claim(token: string, taskId: number, body?: Record<string, unknown>, headers?: Record<string, string>): ReturnType<Http>;
  nextId(): number;
}

/** Data is made through the admin API, as an external system would sync it. */
export function makeFactories(http: Http, adminToken: string): Factories {
  const expectOk = async (promise: ReturnType<Http>) => {
    const response = await promise;
    if (response.status >= 300) throw new Error(`setup request failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response;
  };
  const factories: Factories = {
    nextId: newId,
    async newDepartment(overrides = {}) {
      const id = newId();
      const name = overrides.name ?? `Department ${id}`;
      const lease = overrides.claimLeaseSeconds === undefined ? {} : { claim_lease_seconds: overrides.claimLeaseSeconds };
      await expectOk(http('PUT', `/api/admin/departments/${id}`, { token: adminToken, body: { name, ...lease } }));
      return { id, name };
    },
    async newOperator(overrides = {}) {
      const id = newId();
      const username = overrides.username ?? `operator${id}`;
      await expectOk(
        http('PUT', `/api/admin/operators/${id}`, {
          token: adminToken,
          body: {
            username,
            first_name: 'First',
            last_name: `Last${id}`,
            department_ids: overrides.departmentIds ?? [],
            active: overrides.active ?? true,
            ...(overrides.maxActiveTasks !== undefined ? { max_active_tasks: overrides.maxActiveTasks } : {}),
            ...(overrides.skills !== undefined ? { skills: overrides.skills } : {}),
          },
        }),
      );
      const { token } = await factories.newToken({ kind: 'operator', name: `token of ${username}`, operator_id: id });
      return { id, username, token };
    },
    async newTask(overrides = {}) {
      const id = newId();
      const workOrderId = newId();
      await expectOk(
        http('PUT', `/api/admin/tasks/${id}`, {
          token: adminToken,
          body: {
            work_order: { id: workOrderId, order_number: `WO-${workOrderId}` },
            work_content: overrides.workContent ?? `Task ${id}`,
            status: overrides.status ?? 'pending',
            assigned_department_id: overrides.departmentId ?? null,
            ...(overrides.assignedOperatorId !== undefined ? { assigned_operator_id: overrides.assignedOperatorId } : {}),
            ...(overrides.priority !== undefined ? { priority: overrides.priority } : {}),
            ...(overrides.dueAt !== undefined ? { due_at: overrides.dueAt } : {}),
            ...(overrides.requiredSkills !== undefined ? { required_skills: overrides.requiredSkills } : {}),
          },
        }),
      );
      return { id, workOrderId };
    },
    async newToken(body) {
      return (await expectOk(http('POST', '/api/admin/tokens', { token: adminToken, body }))).body;
    },
    claim(token, taskId, body = {}, headers = {}) {
      return http('POST', `/api/workorder-tasks/${taskId}/claim/`, { token, body, headers: { prefer: 'wait=20', ...headers } });
    },
  };
  return factories;
}
