import { TASK_STATUSES } from '../src/domain/vocabulary';
import { decideRelease, type ReleaseFacts } from '../src/domain/decide-release';

const OPERATOR = { id: 7, username: 'li.wei', active: true };

/** Everything fine: an active operator gives back the pending task he holds. */
function facts(overrides: { operator?: Partial<ReleaseFacts['operator']>; task?: Partial<NonNullable<ReleaseFacts['task']>> | null } = {}): ReleaseFacts {
  return {
    operator: { ...OPERATOR, ...overrides.operator },
    task: overrides.task === null ? null : { id: 42, status: 'pending', assignedOperator: { id: 7, username: 'li.wei' }, ...overrides.task },
    taskId: 42,
  };
}

describe('decideRelease — SPEC §4 release rules, in order', () => {
  test('the assignee releases a pending task', () => {
    expect(decideRelease(facts())).toEqual({ outcome: 'succeeded', alreadyClaimed: false });
  });

  test('a deactivated operator is refused first, whatever the task', () => {
    expect(decideRelease(facts({ operator: { active: false }, task: null }))).toEqual({ outcome: 'rejected', code: 'operator_inactive', params: { username: 'li.wei' } });
  });

  test('a deleted task is task_not_found', () => {
    expect(decideRelease(facts({ task: null }))).toEqual({ outcome: 'rejected', code: 'task_not_found', params: { task_id: 42 } });
  });

  test('a task held by someone else is not_assignee, naming that operator', () => {
    expect(decideRelease(facts({ task: { assignedOperator: { id: 8, username: 'zhang.san' } } }))).toEqual({
      outcome: 'rejected',
      code: 'not_assignee',
      params: { username: 'zhang.san' },
    });
  });

  test('an unassigned task is not_assignee without a username', () => {
    expect(decideRelease(facts({ task: { assignedOperator: null } }))).toEqual({ outcome: 'rejected', code: 'not_assignee', params: {} });
  });

  test.each(TASK_STATUSES.filter((status) => status !== 'pending'))('a %s task of the operator is task_not_releasable', (status) => {
    expect(decideRelease(facts({ task: { status } }))).toMatchObject({ outcome: 'rejected', code: 'task_not_releasable' });
  });

  test('not_assignee comes before task_not_releasable', () => {
    expect(decideRelease(facts({ task: { status: 'in_progress', assignedOperator: null } }))).toMatchObject({ code: 'not_assignee' });
  });
});
