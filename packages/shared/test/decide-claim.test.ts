import { decideClaim, type ClaimDecision, type ClaimFacts } from '../src/domain/decide-claim';
import { ACTIVE_TASK_STATUSES, type TaskStatus } from '../src/domain/vocabulary';

const OPERATOR = { id: 7, username: 'li.wei', active: true, skills: ['welding', 'forklift'] };
const OTHER_OPERATOR = { id: 8, username: 'zhang.san' };
const DEPARTMENT = { id: 3, name: 'Assembly' };

/** Everything fine: an active member operator, a pending unassigned task of his department, room under the limit. */
function facts(overrides: {
  operator?: Partial<ClaimFacts['operator']>;
  task?: Partial<NonNullable<ClaimFacts['task']>> | null;
  taskId?: number;
  operatorIsMemberOfTaskDepartment?: boolean;
  activeTaskCount?: number;
  limit?: number;
} = {}): ClaimFacts {
  const { operator, task, ...rest } = overrides;
  return {
    operator: { ...OPERATOR, ...operator },
    task:
      task === null
        ? null
        : { id: 42, status: 'pending', assignedDepartment: DEPARTMENT, assignedOperator: null, requiredSkills: [], ...task },
    taskId: 42,
    operatorIsMemberOfTaskDepartment: true,
    activeTaskCount: 2,
    limit: 10,
    ...rest,
  };
}

const SUCCEEDED: ClaimDecision = { outcome: 'succeeded', alreadyClaimed: false };
const ALREADY_YOURS: ClaimDecision = { outcome: 'succeeded', alreadyClaimed: true };

describe('decideClaim — SPEC §3, row by row', () => {
  test('row 0: a deactivated operator is rejected with operator_inactive', () => {
    const decision = decideClaim(facts({ operator: { active: false } }));
    expect(decision).toEqual({ outcome: 'rejected', code: 'operator_inactive', params: { username: 'li.wei' } });
  });

  test('row 1: a task that no longer exists is rejected with task_not_found naming the task id', () => {
    const decision = decideClaim(facts({ task: null, taskId: 99 }));
    expect(decision).toEqual({ outcome: 'rejected', code: 'task_not_found', params: { task_id: 99 } });
  });

  test('row 2: a draft task is rejected with task_draft', () => {
    const decision = decideClaim(facts({ task: { status: 'draft' } }));
    expect(decision).toMatchObject({ outcome: 'rejected', code: 'task_draft' });
  });

  test('row 2: a completed task is rejected with task_completed', () => {
    const decision = decideClaim(facts({ task: { status: 'completed' } }));
    expect(decision).toMatchObject({ outcome: 'rejected', code: 'task_completed' });
  });

  test('row 2: a cancelled task is rejected with task_cancelled', () => {
    const decision = decideClaim(facts({ task: { status: 'cancelled' } }));
    expect(decision).toMatchObject({ outcome: 'rejected', code: 'task_cancelled' });
  });

  test('row 3: a task with no department is rejected with task_no_department', () => {
    const decision = decideClaim(facts({ task: { assignedDepartment: null } }));
    expect(decision).toMatchObject({ outcome: 'rejected', code: 'task_no_department' });
  });

  test('row 4: an operator outside the task department is rejected with not_in_department naming the department', () => {
    const decision = decideClaim(facts({ operatorIsMemberOfTaskDepartment: false }));
    expect(decision).toEqual({
      outcome: 'rejected',
      code: 'not_in_department',
      params: { department_name: 'Assembly' },
    });
  });

  test('row 4a: an operator lacking required skills is rejected with missing_skill naming each missing skill', () => {
    const decision = decideClaim(facts({ task: { requiredSkills: ['welding', 'crane', 'Forklift'] } }));
    expect(decision).toEqual({ outcome: 'rejected', code: 'missing_skill', params: { username: 'li.wei', skills: 'crane, Forklift' } });
  });

  test('row 4a: an operator with every required skill (and more) passes on', () => {
    expect(decideClaim(facts({ task: { requiredSkills: ['forklift'] } }))).toEqual(SUCCEEDED);
  });

  test('row 5: a task already assigned to this operator succeeds with alreadyClaimed', () => {
    const decision = decideClaim(facts({ task: { assignedOperator: { id: OPERATOR.id, username: OPERATOR.username } } }));
    expect(decision).toEqual(ALREADY_YOURS);
  });

  test('row 6: a task assigned to another operator is rejected with already_claimed naming that username', () => {
    const decision = decideClaim(facts({ task: { assignedOperator: OTHER_OPERATOR } }));
    expect(decision).toEqual({ outcome: 'rejected', code: 'already_claimed', params: { username: 'zhang.san' } });
  });

  test('row 7: an operator at the limit is rejected with capacity_reached, carrying count and limit', () => {
    const decision = decideClaim(facts({ activeTaskCount: 5, limit: 5 }));
    expect(decision).toEqual({
      outcome: 'rejected',
      code: 'capacity_reached',
      params: { active_count: 5, limit: 5 },
    });
  });

  test('row 7: an operator over the limit is rejected with capacity_reached', () => {
    const decision = decideClaim(facts({ activeTaskCount: 12, limit: 10 }));
    expect(decision).toEqual({
      outcome: 'rejected',
      code: 'capacity_reached',
      params: { active_count: 12, limit: 10 },
    });
  });

  test('row 8: otherwise the claim succeeds (not alreadyClaimed)', () => {
    expect(decideClaim(facts())).toEqual(SUCCEEDED);
  });
});

describe('decideClaim — boundaries and claimable statuses', () => {
  test('one below the limit still succeeds', () => {
    expect(decideClaim(facts({ activeTaskCount: 9, limit: 10 }))).toEqual(SUCCEEDED);
  });

  test('no active tasks at all succeeds', () => {
    expect(decideClaim(facts({ activeTaskCount: 0, limit: 1 }))).toEqual(SUCCEEDED);
  });

  test('an in_progress unassigned task is claimable', () => {
    expect(decideClaim(facts({ task: { status: 'in_progress' } }))).toEqual(SUCCEEDED);
  });

  test('a pending unassigned task is claimable', () => {
    expect(decideClaim(facts({ task: { status: 'pending' } }))).toEqual(SUCCEEDED);
  });

  test('pending and in_progress are the active (claimable) statuses', () => {
    expect([...ACTIVE_TASK_STATUSES].sort()).toEqual(['in_progress', 'pending']);
  });

  test.each<[TaskStatus, string]>([
    ['draft', 'task_draft'],
    ['completed', 'task_completed'],
    ['cancelled', 'task_cancelled'],
  ])('status %s is rejected as %s even when the task is otherwise claimable', (status, code) => {
    expect(decideClaim(facts({ task: { status } }))).toMatchObject({ outcome: 'rejected', code });
  });

  test('is pure: the facts are not mutated and the same facts give the same decision', () => {
    const input = facts({ task: { assignedOperator: OTHER_OPERATOR } });
    const snapshot = JSON.parse(JSON.stringify(input));
    const first = decideClaim(input);
    const second = decideClaim(input);
    expect(first).toEqual(second);
    expect(input).toEqual(snapshot);
  });
});

describe('decideClaim — rule order', () => {
  test('row 0 before row 1: an inactive operator on a deleted task gets operator_inactive', () => {
    const decision = decideClaim(facts({ operator: { active: false }, task: null }));
    expect(decision).toMatchObject({ outcome: 'rejected', code: 'operator_inactive' });
  });

  test('row 0 before everything: an inactive operator with every other problem gets operator_inactive', () => {
    const decision = decideClaim(
      facts({
        operator: { active: false },
        task: { status: 'cancelled', assignedDepartment: null, assignedOperator: OTHER_OPERATOR },
        operatorIsMemberOfTaskDepartment: false,
        activeTaskCount: 10,
        limit: 10,
      }),
    );
    expect(decision).toMatchObject({ outcome: 'rejected', code: 'operator_inactive' });
  });

  test('row 1 before row 4: a deleted task gets task_not_found even for a non-member', () => {
    const decision = decideClaim(facts({ task: null, operatorIsMemberOfTaskDepartment: false }));
    expect(decision).toMatchObject({ outcome: 'rejected', code: 'task_not_found' });
  });

  test('row 2 before row 3: a draft task with no department gets task_draft', () => {
    const decision = decideClaim(facts({ task: { status: 'draft', assignedDepartment: null } }));
    expect(decision).toMatchObject({ outcome: 'rejected', code: 'task_draft' });
  });

  test('row 2 before row 5: a completed task assigned to this operator gets task_completed', () => {
    const decision = decideClaim(
      facts({ task: { status: 'completed', assignedOperator: { id: OPERATOR.id, username: OPERATOR.username } } }),
    );
    expect(decision).toMatchObject({ outcome: 'rejected', code: 'task_completed' });
  });

  test('row 3 before row 4: a task with no department gets task_no_department for a non-member', () => {
    const decision = decideClaim(facts({ task: { assignedDepartment: null }, operatorIsMemberOfTaskDepartment: false }));
    expect(decision).toMatchObject({ outcome: 'rejected', code: 'task_no_department' });
  });

  test('row 4 before row 6: a task of another department assigned to another operator gets not_in_department', () => {
    const decision = decideClaim(
      facts({
        task: { assignedDepartment: { id: 9, name: 'Painting' }, assignedOperator: OTHER_OPERATOR },
        operatorIsMemberOfTaskDepartment: false,
      }),
    );
    expect(decision).toEqual({ outcome: 'rejected', code: 'not_in_department', params: { department_name: 'Painting' } });
  });

  test('row 4 before row 7: a non-member at capacity gets not_in_department', () => {
    const decision = decideClaim(facts({ operatorIsMemberOfTaskDepartment: false, activeTaskCount: 10, limit: 10 }));
    expect(decision).toMatchObject({ outcome: 'rejected', code: 'not_in_department' });
  });

  test('row 4 before row 4a: a non-member lacking a skill gets not_in_department', () => {
    const decision = decideClaim(facts({ operatorIsMemberOfTaskDepartment: false, task: { requiredSkills: ['crane'] } }));
    expect(decision).toMatchObject({ outcome: 'rejected', code: 'not_in_department' });
  });

  test('row 4a before row 5: a task of his own that now requires a skill he lacks gets missing_skill', () => {
    const decision = decideClaim(facts({ task: { requiredSkills: ['crane'], assignedOperator: { id: OPERATOR.id, username: OPERATOR.username } } }));
    expect(decision).toMatchObject({ outcome: 'rejected', code: 'missing_skill' });
  });

  test('row 4a before rows 6 and 7: an unqualified operator at capacity on a task held by another gets missing_skill', () => {
    const decision = decideClaim(facts({ task: { requiredSkills: ['crane'], assignedOperator: OTHER_OPERATOR }, activeTaskCount: 10, limit: 10 }));
    expect(decision).toMatchObject({ outcome: 'rejected', code: 'missing_skill' });
  });

  test('row 5 before row 7: an operator at capacity re-claiming his own task succeeds with alreadyClaimed', () => {
    const decision = decideClaim(
      facts({
        task: { assignedOperator: { id: OPERATOR.id, username: OPERATOR.username } },
        activeTaskCount: 10,
        limit: 10,
      }),
    );
    expect(decision).toEqual(ALREADY_YOURS);
  });

  test('row 5 on an in_progress task of his own: succeeds with alreadyClaimed', () => {
    const decision = decideClaim(
      facts({ task: { status: 'in_progress', assignedOperator: { id: OPERATOR.id, username: OPERATOR.username } } }),
    );
    expect(decision).toEqual(ALREADY_YOURS);
  });

  test('row 6 before row 7: a task assigned to another operator while at capacity gets already_claimed', () => {
    const decision = decideClaim(facts({ task: { assignedOperator: OTHER_OPERATOR }, activeTaskCount: 10, limit: 10 }));
    expect(decision).toEqual({ outcome: 'rejected', code: 'already_claimed', params: { username: 'zhang.san' } });
  });

  test('row 5 compares operator ids, not usernames', () => {
    const decision = decideClaim(facts({ task: { assignedOperator: { id: 1234, username: OPERATOR.username } } }));
    expect(decision).toEqual({ outcome: 'rejected', code: 'already_claimed', params: { username: OPERATOR.username } });
  });
});
