import { decideClaimNext, refuseClaimNext, type ClaimNextFacts } from '../src/domain/decide-claim-next';

const facts = (overrides: Partial<ClaimNextFacts> = {}): ClaimNextFacts => ({
  operator: { id: 7, username: 'li.wei', active: true },
  activeTaskCount: 2,
  limit: 10,
  ...overrides,
});
const inactive = facts({ operator: { id: 7, username: 'li.wei', active: false } });

describe('claim-next rules — SPEC §4, in order', () => {
  test('a task was picked: succeeded, as rule 8', () => {
    expect(decideClaimNext({ ...facts(), picked: true })).toEqual({ outcome: 'succeeded', alreadyClaimed: false });
  });

  test('nothing to pick: no_claimable_task', () => {
    expect(decideClaimNext({ ...facts(), picked: false })).toEqual({ outcome: 'rejected', code: 'no_claimable_task', params: {} });
  });

  test('a deactivated operator is refused first, before capacity and before any pick', () => {
    expect(refuseClaimNext({ ...inactive, activeTaskCount: 10 })).toEqual({ outcome: 'rejected', code: 'operator_inactive', params: { username: 'li.wei' } });
    expect(decideClaimNext({ ...inactive, picked: true })).toMatchObject({ code: 'operator_inactive' });
  });

  test('at the limit: capacity_reached with the count and the limit, before any pick', () => {
    const full = facts({ activeTaskCount: 3, limit: 3 });
    expect(refuseClaimNext(full)).toEqual({ outcome: 'rejected', code: 'capacity_reached', params: { active_count: 3, limit: 3 } });
    expect(decideClaimNext({ ...full, picked: false })).toMatchObject({ code: 'capacity_reached' });
  });

  test('an operator with room is not refused, so the worker picks', () => {
    expect(refuseClaimNext(facts({ activeTaskCount: 9 }))).toBeUndefined();
  });
});
