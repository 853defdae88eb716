import type { RoundRobinClient } from './http';
import { runWithInflight } from './http';

export const SCENARIOS = ['uniform', 'shift-start', 'shift-start-next', 'capacity-storm', 'waiting-room', 'shift-change'] as const;
/** what `--quick` runs unless `--scenarios` names others: shift-change needs a loaded floor first, too long for a quick run */
export const QUICK_SCENARIOS: readonly ScenarioName[] = SCENARIOS.filter((scenario) => scenario !== 'shift-change');
export type ScenarioName = (typeof SCENARIOS)[number];

export interface Sizes {
  operators: number;
  departments: number;
  tasks: number;
  claims: number;
  hotTasks: number;
  /** share of the shift-start claims that go to the hot tasks */
  hotShare: number;
  stormOperators: number;
  stormLimit: number;
  stormClaims: number;
  waiters: number;
}

export const DEFAULT_SIZES: Sizes = {
  operators: 300,
  departments: 10,
  tasks: 2_000,
  claims: 6_000,
  hotTasks: 20,
  hotShare: 0.5,
  stormOperators: 50,
  stormLimit: 3,
  stormClaims: 15,
  waiters: 5_000,
};

/** `--quick`: every scenario, small enough for the whole run (every server and client) to take about a minute. */
export const QUICK_SIZES: Sizes = {
  operators: 60,
  departments: 6,
  tasks: 600,
  claims: 1_200,
  hotTasks: 6,
  hotShare: 0.5,
  stormOperators: 20,
  stormLimit: 3,
  stormClaims: 15,
  waiters: 500,
};

interface Operator {
  id: number;
  departmentId: number;
  limit?: number;
  skills?: string[];
}

interface Task {
  id: number;
  departmentId: number;
  workOrderId: number;
  requiredSkills?: string[];
  priority?: number;
}

export interface Claim {
  taskId: number;
  operatorId: number;
  /** POST claim-next instead (the worker picks the task); taskId is then only where the operator would have aimed */
  next?: boolean;
  /** POST release-mine instead (End shift: one release request per pending task of the operator); taskId is unused */
  releaseMine?: boolean;
}

export interface LeaseRace {
  departmentId: number;
  leaseSeconds: number;
  /** the claims that take the leases (one per task) */
  holds: Claim[];
  /** other operators' claims on the same tasks, fired from just before the leases end and again as they end */
  racers: Claim[];
  taskIds: number[];
}

export interface Plan {
  scenario: ScenarioName;
  description: string;
  departments: number;
  operators: Operator[];
  tasks: Task[];
  claims: Claim[];
  /** claims decided before the measured burst (shift-change: the floor it starts from) */
  preload?: Claim[];
  /** shift-change's lease variant: leases that end together, and claims racing their expiry */
  leaseRace?: LeaseRace;
  /** rule 7's limit for the operators of this plan */
  limit: number;
}

/** mulberry32: a seeded generator, so every run fires the same claims in the same order. */
function random(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/** shift-change: each operator holds this many tasks before the burst, and each claim-next operator presses Claim next this often */
const SHIFT_CHANGE_HELD = 3;
const WELDING = 'welding';

/** the lease variant: LEASES tasks in a department of their own, held by LEASES / HELD_PER_HOLDER operators and raced by as many */
const LEASES = 300;
const LEASE_SECONDS = 10;
const LEASE_HOLDER_TASKS = 10;

function leaseRaceAfter(lastOperatorId: number, lastTaskId: number, departmentId: number): LeaseRace & { operators: Operator[]; tasks: Task[] } {
  const people = LEASES / LEASE_HOLDER_TASKS;
  const operators = Array.from({ length: people * 2 }, (_, i) => ({ id: lastOperatorId + i + 1, departmentId, limit: LEASE_HOLDER_TASKS }));
  const tasks = Array.from({ length: LEASES }, (_, i) => ({ id: lastTaskId + i + 1, departmentId, workOrderId: Math.floor((lastTaskId + i) / 10) + 1 }));
  const holderOf = (i: number) => operators[Math.floor(i / LEASE_HOLDER_TASKS)].id;
  return {
    departmentId,
    leaseSeconds: LEASE_SECONDS,
    holds: tasks.map((task, i) => ({ taskId: task.id, operatorId: holderOf(i) })),
    racers: tasks.map((task, i) => ({ taskId: task.id, operatorId: holderOf(i) + people })),
    taskIds: tasks.map((task) => task.id),
    operators,
    tasks,
  };
}

const departmentOf = (index: number, departments: number) => (index % departments) + 1;

function operatorsByDepartment(operators: Operator[]): Map<number, Operator[]> {
  const byDepartment = new Map<number, Operator[]>();
  for (const operator of operators) byDepartment.set(operator.departmentId, [...(byDepartment.get(operator.departmentId) ?? []), operator]);
  return byDepartment;
}

function shopFloor(sizes: Sizes): { operators: Operator[]; tasks: Task[] } {
  // Operator o and task t belong to department ((o - 1) mod D) + 1, so a claim by a colleague is always allowed by rule 4.
  const operators = Array.from({ length: sizes.operators }, (_, i) => ({ id: i + 1, departmentId: departmentOf(i, sizes.departments) }));
  const tasks = Array.from({ length: sizes.tasks }, (_, i) => ({ id: i + 1, departmentId: departmentOf(i, sizes.departments), workOrderId: Math.floor(i / 10) + 1 }));
  return { operators, tasks };
}

export function buildPlan(scenario: ScenarioName, sizes: Sizes, defaultLimit: number): Plan {
  const pick = random(20_251_126);
  const base = { scenario, departments: sizes.departments, limit: defaultLimit };
  const colleagueOf = (task: Task, byDepartment: Map<number, Operator[]>) => {
    const colleagues = byDepartment.get(task.departmentId) as Operator[];
    return colleagues[pick(colleagues.length)];
  };

  switch (scenario) {
    case 'uniform': {
      const { operators, tasks } = shopFloor(sizes);
      const byDepartment = operatorsByDepartment(operators);
      const claims = Array.from({ length: sizes.claims }, () => {
        const task = tasks[pick(tasks.length)];
        return { taskId: task.id, operatorId: colleagueOf(task, byDepartment).id };
      });
      return {
        ...base,
        description: `${sizes.operators} operators, ${sizes.departments} departments, ${sizes.tasks} tasks, ${sizes.claims} claims on random tasks by a colleague`,
        operators,
        tasks,
        claims,
      };
    }
    case 'shift-start':
    case 'shift-start-next': {
      const { operators, tasks } = shopFloor(sizes);
      const byDepartment = operatorsByDepartment(operators);
      const hot = tasks.slice(0, sizes.hotTasks);
      const cold = tasks.slice(sizes.hotTasks);
      const everyNth = Math.round(1 / sizes.hotShare);
      const withNext = scenario === 'shift-start-next';
      const claims = Array.from({ length: sizes.claims }, (_, i) => {
        const task = i % everyNth === 0 ? hot[pick(hot.length)] : cold[pick(cold.length)];
        const operatorId = colleagueOf(task, byDepartment).id;
        // the same burst; in the -next variant every other operator presses "Claim next" instead
        return withNext && operatorId % 2 === 1 ? { taskId: task.id, operatorId, next: true } : { taskId: task.id, operatorId };
      });
      return {
        ...base,
        description: `as uniform, but ${Math.round(sizes.hotShare * 100)}% of the claims on ${sizes.hotTasks} hot tasks${withNext ? '; half the operators (odd ids) use claim-next' : ''}`,
        operators,
        tasks,
        claims,
      };
    }
    case 'shift-change': {
      // In each department every 4th task needs welding and every 3rd operator has it: claim-next must hand welding work to welders only.
      // Welding comes first in dispatch order, so the floor's welders hold welding work.
      const rank = (id: number) => Math.floor((id - 1) / sizes.departments); // within its department
      // Operators of even rank press Claim next (as often as they already hold tasks), the others End shift: both halves in every
      // department (split by id parity, each department would be all one half, as its ids share their parity), so End shift frees
      // tasks the Claim next operators may get. The floor holds half the tasks: the never-held ones alone cover every Claim next
      // press, welders' and others', whenever the releases are decided, so every press must succeed.
      const floor = shopFloor({ ...sizes, tasks: sizes.operators * SHIFT_CHANGE_HELD * 2 });
      const operators = floor.operators.map((operator) => (rank(operator.id) % 3 === 0 ? { ...operator, skills: [WELDING] } : operator));
      const tasks = floor.tasks.map((task) => (rank(task.id) % 4 === 0 ? { ...task, requiredSkills: [WELDING], priority: 60 } : task));
      const preload = Array.from({ length: SHIFT_CHANGE_HELD }, () => operators.map((operator) => ({ taskId: 0, operatorId: operator.id, next: true }))).flat();
      // interleaved so both halves start at once
      const claims = Array.from({ length: SHIFT_CHANGE_HELD }, (_, round) =>
        operators.flatMap((operator): Claim[] => {
          if (rank(operator.id) % 2 === 0) return [{ taskId: 0, operatorId: operator.id, next: true }];
          return round === 0 ? [{ taskId: 0, operatorId: operator.id, releaseMine: true }] : [];
        }),
      ).flat();
      const leaseRace = leaseRaceAfter(operators.length, tasks.length, sizes.departments + 1);
      return {
        ...base,
        leaseRace,
        description: `${sizes.operators} operators (every 3rd a welder) each holding ${SHIFT_CHANGE_HELD} tasks (${tasks.length} tasks, every 4th needs welding); in each department half press End shift (release-mine) while the other half press Claim next ${SHIFT_CHANGE_HELD} times, at once (the never-held tasks cover every press). Lease variant: ${LEASES} claims with a ${LEASE_SECONDS} s lease decided together, raced by claims on the same tasks from just before the leases end and again as they end`,
        operators: [...operators, ...leaseRace.operators],
        tasks: [...tasks, ...leaseRace.tasks],
        claims,
        preload,
      };
    }
    case 'capacity-storm': {
      // Operator o's tasks are (o - 1) * K + 1 … o * K, all in o's department; its K claims are fired back to back.
      const operators = Array.from({ length: sizes.stormOperators }, (_, i) => ({
        id: i + 1,
        departmentId: departmentOf(i, sizes.departments),
        limit: sizes.stormLimit,
      }));
      const tasks = operators.flatMap((operator, o) =>
        Array.from({ length: sizes.stormClaims }, (_, k) => {
          const index = o * sizes.stormClaims + k;
          return { id: index + 1, departmentId: operator.departmentId, workOrderId: Math.floor(index / 10) + 1 };
        }),
      );
      const claims = tasks.map((task) => ({ taskId: task.id, operatorId: Math.floor((task.id - 1) / sizes.stormClaims) + 1 }));
      return {
        ...base,
        limit: sizes.stormLimit,
        description: `${sizes.stormOperators} operators with max_active_tasks ${sizes.stormLimit}, each firing ${sizes.stormClaims} claims at once over distinct tasks`,
        operators,
        tasks,
        claims,
      };
    }
    case 'waiting-room': {
      const { operators, tasks } = shopFloor(sizes);
      const byDepartment = operatorsByDepartment(operators);
      const claims = Array.from({ length: sizes.waiters }, (_, i) => {
        const task = tasks[i % tasks.length];
        return { taskId: task.id, operatorId: colleagueOf(task, byDepartment).id };
      });
      return {
        ...base,
        description: `${sizes.waiters} clients long-polling (Prefer: wait) their claims at once, while the queues are paused; then the workers resume`,
        operators,
        tasks,
        claims,
      };
    }
  }
}

/** Sets the plan's data up through the admin API, as an external system would; returns one operator token per operator. */
export async function seedThroughAdminApi(client: RoundRobinClient, adminToken: string, plan: Plan): Promise<Map<number, string>> {
  const admin = { authorization: `Bearer ${adminToken}` };
  const call = async (method: string, urlPath: string, body: unknown): Promise<string> => {
    const response = await client.request(method, urlPath, admin, JSON.stringify(body));
    if (response.status >= 300) throw new Error(`${method} ${urlPath}: ${response.status} ${response.body.slice(0, 500)}`);
    return response.body;
  };
  const departments = Array.from({ length: plan.departments }, (_, i) => i + 1);
  await runWithInflight(departments, 8, async (id) => void (await call('PUT', `/api/admin/departments/${id}`, { name: `Line ${id}` })));
  const lease = plan.leaseRace;
  if (lease) await call('PUT', `/api/admin/departments/${lease.departmentId}`, { name: 'Leased line', claim_lease_seconds: lease.leaseSeconds });
  await runWithInflight(plan.operators, 8, async (operator) => {
    await call('PUT', `/api/admin/operators/${operator.id}`, {
      username: `op${operator.id}`,
      first_name: 'Bench',
      last_name: `Operator ${operator.id}`,
      department_ids: [operator.departmentId],
      ...(operator.limit !== undefined ? { max_active_tasks: operator.limit } : {}),
      ...(operator.skills ? { skills: operator.skills } : {}),
    });
  });
  const chunks: Task[][] = [];
  for (let i = 0; i < plan.tasks.length; i += 1_000) chunks.push(plan.tasks.slice(i, i + 1_000));
  await runWithInflight(chunks, 2, async (chunk) => {
    await call(
      'PUT',
      '/api/admin/tasks',
      chunk.map((task) => ({
        id: task.id,
        work_order: { id: task.workOrderId, order_number: `WO-${String(task.workOrderId).padStart(6, '0')}` },
        work_content: `Assemble station ${task.id}`,
        status: 'pending',
        assigned_department_id: task.departmentId,
        ...(task.requiredSkills ? { required_skills: task.requiredSkills } : {}),
        ...(task.priority !== undefined ? { priority: task.priority } : {}),
      })),
    );
  });
  const tokens = new Map<number, string>();
  await runWithInflight(plan.operators, 8, async (operator) => {
    const body = await call('POST', '/api/admin/tokens', { kind: 'operator', name: `bench op${operator.id}`, operator_id: operator.id });
    tokens.set(operator.id, (JSON.parse(body) as { token: string }).token);
  });
  return tokens;
}
