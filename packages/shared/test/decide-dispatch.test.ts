import type { ClaimFacts } from '../src/domain/decide-claim';
import { decideExpire, type ExpireFacts } from '../src/domain/decide-expire';
import { decideReassign } from '../src/domain/decide-reassign';
import { decideStart, type StartFacts } from '../src/domain/decide-start';

const OPERATOR = { id: 7, username: 'li.wei', active: true };
const OTHER = { id: 8, username: 'zhang.san' };
const SUCCEEDED = { outcome: 'succeeded', alreadyClaimed: false };
const UNCHANGED = { outcome: 'succeeded', alreadyClaimed: true };

describe('decideStart — SPEC §4 Dispatch, in order', () => {
  const facts = (task: Partial<NonNullable<StartFacts['task']>> | null = {}, operator: Partial<StartFacts['operator']> = {}): StartFacts => ({
    operator: { ...OPERATOR, ...operator },
    task: task && { id: 42, status: 'pending', assignedOperator: { id: OPERATOR.id, username: OPERATOR.username }, ...task },
    taskId: 42,
  });

  test('the assignee starts a pending task', () => expect(decideStart(facts())).toEqual(SUCCEEDED));
  test('already in_progress: succeeded, nothing changes', () => expect(decideStart(facts({ status: 'in_progress' }))).toEqual(UNCHANGED));
  test.each(['draft', 'completed', 'cancelled'] as const)('%s → task_not_startable', (status) =>
    expect(decideStart(facts({ status }))).toMatchObject({ outcome: 'rejected', code: 'task_not_startable' }),
  );
  test('not assigned to the acting operator → not_assignee naming the assignee', () =>
    expect(decideStart(facts({ assignedOperator: OTHER }))).toEqual({ outcome: 'rejected', code: 'not_assignee', params: { username: 'zhang.san' } }));
  test('unassigned → not_assignee without a username', () => expect(decideStart(facts({ assignedOperator: null }))).toEqual({ outcome: 'rejected', code: 'not_assignee', params: {} }));
  test('gone → task_not_found', () => expect(decideStart(facts(null))).toMatchObject({ code: 'task_not_found', params: { task_id: 42 } }));
  test('deactivated before gone', () => expect(decideStart(facts(null, { active: false }))).toMatchObject({ code: 'operator_inactive' }));
  test('not_assignee before the status: a closed task of another', () =>
    expect(decideStart(facts({ status: 'completed', assignedOperator: OTHER }))).toMatchObject({ code: 'not_assignee' }));
  test('not_assignee before in_progress: a started task of another is not "already started"', () =>
    expect(decideStart(facts({ status: 'in_progress', assignedOperator: OTHER }))).toMatchObject({ code: 'not_assignee' }));
});

describe('decideExpire — a lapsed lease, decided in order with the task’s requests', () => {
  const facts = (task: Partial<NonNullable<ExpireFacts['task']>> | null = {}): ExpireFacts => ({
    operator: { id: OPERATOR.id },
    task: task && { id: 42, status: 'pending', assignedOperator: { id: OPERATOR.id, username: OPERATOR.username }, leaseExpired: true, ...task },
    taskId: 42,
  });

  test('pending, still the assignee’s, lease ran out: released', () => expect(decideExpire(facts())).toEqual(SUCCEEDED));
  test('started first → task_not_releasable', () => expect(decideExpire(facts({ status: 'in_progress', leaseExpired: false }))).toMatchObject({ code: 'task_not_releasable' }));
  test('released first → not_assignee', () => expect(decideExpire(facts({ assignedOperator: null }))).toMatchObject({ code: 'not_assignee' }));
  test('reassigned first → not_assignee', () => expect(decideExpire(facts({ assignedOperator: OTHER }))).toMatchObject({ code: 'not_assignee' }));
  test('claimed again by the same operator (a new lease) → lease_not_expired', () =>
    expect(decideExpire(facts({ leaseExpired: false }))).toMatchObject({ code: 'lease_not_expired' }));
  test('deleted → task_not_found', () => expect(decideExpire(facts(null))).toMatchObject({ code: 'task_not_found' }));
});

describe('decideReassign — the claim rules for the target, without rule 6', () => {
  const facts = (overrides: Partial<Omit<ClaimFacts, 'task'>> & { task?: Partial<NonNullable<ClaimFacts['task']>> | null } = {}): ClaimFacts => {
    const { task, ...rest } = overrides;
    return {
      operator: { ...OPERATOR, skills: ['welding'] },
      task:
        task === null
          ? null
          : { id: 42, status: 'pending', assignedDepartment: { id: 3, name: 'Assembly' }, assignedOperator: OTHER, requiredSkills: ['welding'], ...task },
      taskId: 42,
      operatorIsMemberOfTaskDepartment: true,
      activeTaskCount: 0,
      limit: 10,
      ...rest,
    };
  };

  test('a task held by another moves to the target', () => expect(decideReassign(facts())).toEqual(SUCCEEDED));
  test('an unassigned task goes to the target', () => expect(decideReassign(facts({ task: { assignedOperator: null } }))).toEqual(SUCCEEDED));
  test('an in_progress task moves too', () => expect(decideReassign(facts({ task: { status: 'in_progress' } }))).toEqual(SUCCEEDED));
  test('already the target’s: succeeded, nothing changes, even at the limit', () =>
    expect(decideReassign(facts({ task: { assignedOperator: { id: 7, username: 'li.wei' } }, activeTaskCount: 10, limit: 10 }))).toEqual(UNCHANGED));
  test('in order: operator_inactive, task_not_found, status, task_no_department, not_in_department, missing_skill, capacity_reached', () => {
    const inactive = { ...OPERATOR, active: false, skills: [] };
    expect(decideReassign(facts({ operator: inactive, task: null }))).toMatchObject({ code: 'operator_inactive' });
    expect(decideReassign(facts({ task: null, operatorIsMemberOfTaskDepartment: false }))).toMatchObject({ code: 'task_not_found' });
    expect(decideReassign(facts({ task: { status: 'cancelled', assignedDepartment: null } }))).toMatchObject({ code: 'task_cancelled' });
    expect(decideReassign(facts({ task: { assignedDepartment: null }, operatorIsMemberOfTaskDepartment: false }))).toMatchObject({ code: 'task_no_department' });
    expect(decideReassign(facts({ task: { requiredSkills: ['crane'] }, operatorIsMemberOfTaskDepartment: false }))).toMatchObject({ code: 'not_in_department' });
    expect(decideReassign(facts({ task: { requiredSkills: ['crane'] }, activeTaskCount: 10, limit: 10 }))).toEqual({
      outcome: 'rejected',
      code: 'missing_skill',
      params: { username: 'li.wei', skills: 'crane' },
    });
    expect(decideReassign(facts({ activeTaskCount: 10, limit: 10 }))).toEqual({ outcome: 'rejected', code: 'capacity_reached', params: { active_count: 10, limit: 10 } });
  });
});
