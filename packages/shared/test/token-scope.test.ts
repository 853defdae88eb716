import { isInScope, scopeDepartments } from '../src/domain/token-scope';

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
