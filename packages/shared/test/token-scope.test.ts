import { canSeeTask, isInScope, scopeDepartments } from '../src/domain/token-scope';

const integration = { kind: 'integration' as const, department_ids: [3, 5] };
const admin = { kind: 'admin' as const, department_ids: [] };
const operator = { kind: 'operator' as const, department_ids: [] };

describe('scopeDepartments', () => {
  test('an integration token is narrowed to its own departments', () => {
    expect(scopeDepartments(integration)).toEqual([3, 5]);
  });
  test('admin and operator tokens are not narrowed by department', () => {
    expect(scopeDepartments(admin)).toBeUndefined();
    expect(scopeDepartments(operator)).toBeUndefined();
  });
});

describe('isInScope', () => {
  test('an integration token acts only on tasks of its departments', () => {
    expect(isInScope(integration, 3)).toBe(true);
    expect(isInScope(integration, 5)).toBe(true);
    expect(isInScope(integration, 4)).toBe(false);
  });
  test('a task without a department is outside every integration scope', () => {
    expect(isInScope(integration, null)).toBe(false);
    expect(isInScope({ kind: 'integration', department_ids: [] }, 3)).toBe(false);
  });
  test('admin and operator tokens reach every task, with or without a department', () => {
    for (const token of [admin, operator]) {
      expect(isInScope(token, 4)).toBe(true);
      expect(isInScope(token, null)).toBe(true);
    }
  });
});

describe('canSeeTask', () => {
  const operatorOf7 = { kind: 'operator' as const, department_ids: [], operator_id: 7 };
  const task = (department: number | null, operator: number | null) => ({ assigned_department_id: department, assigned_operator_id: operator });

  test("an operator token sees the tasks of its operator's departments and those assigned to its operator", () => {
    expect(canSeeTask(operatorOf7, task(3, null), [3])).toBe(true);
    expect(canSeeTask(operatorOf7, task(4, 7), [3])).toBe(true);
    expect(canSeeTask(operatorOf7, task(null, 7), [])).toBe(true);
  });
  test('and no other task: of another department, held by someone else there, or without a department', () => {
    expect(canSeeTask(operatorOf7, task(4, null), [3])).toBe(false);
    expect(canSeeTask(operatorOf7, task(4, 8), [3])).toBe(false);
    expect(canSeeTask(operatorOf7, task(null, null), [3])).toBe(false);
  });
  test('other tokens see as their scope says', () => {
    expect(canSeeTask({ ...integration, operator_id: null }, task(3, 9), [])).toBe(true);
    expect(canSeeTask({ ...integration, operator_id: null }, task(4, 9), [])).toBe(false);
    expect(canSeeTask({ ...admin, operator_id: null }, task(null, null), [])).toBe(true);
  });
});
