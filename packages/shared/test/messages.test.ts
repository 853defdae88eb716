import { decideClaim, type ClaimDecision, type ClaimFacts, type ClaimParams } from '../src/domain/decide-claim';
import { REJECTION_CODES, type RejectionCode } from '../src/domain/vocabulary';
import { decideClaimNext } from '../src/domain/decide-claim-next';
import { decideExpire } from '../src/domain/decide-expire';
import { decideRelease, type ReleaseFacts } from '../src/domain/decide-release';
import { decideStart } from '../src/domain/decide-start';
import { LANGUAGES, renderMessage } from '../src/domain/messages';

const base: ClaimFacts = {
  operator: { id: 7, username: 'li.wei', active: true, skills: [] },
  task: { id: 42, status: 'pending', assignedDepartment: { id: 3, name: 'Assembly' }, assignedOperator: null, requiredSkills: [] },
  taskId: 42,
  operatorIsMemberOfTaskDepartment: true,
  activeTaskCount: 2,
  limit: 10,
};
const withTask = (task: Partial<NonNullable<ClaimFacts['task']>>): ClaimFacts => ({ ...base, task: { ...base.task!, ...task } });

const release: ReleaseFacts = { operator: base.operator, task: { id: 42, status: 'pending', assignedOperator: { id: 7, username: 'li.wei' } }, taskId: 42 };

/** One decision per rejection code, so the params are exactly those the decision functions produce. */
const DECISION_FOR: Record<RejectionCode, () => ClaimDecision> = {
  operator_inactive: () => decideClaim({ ...base, operator: { ...base.operator, active: false } }),
  task_not_found: () => decideClaim({ ...base, task: null, taskId: 99 }),
  task_draft: () => decideClaim(withTask({ status: 'draft' })),
  task_completed: () => decideClaim(withTask({ status: 'completed' })),
  task_cancelled: () => decideClaim(withTask({ status: 'cancelled' })),
  task_no_department: () => decideClaim(withTask({ assignedDepartment: null })),
  not_in_department: () => decideClaim({ ...base, operatorIsMemberOfTaskDepartment: false }),
  already_claimed: () => decideClaim(withTask({ assignedOperator: { id: 8, username: 'zhang.san' } })),
  capacity_reached: () => decideClaim({ ...base, activeTaskCount: 10, limit: 10 }),
  not_assignee: () => decideRelease({ ...release, task: { ...release.task!, assignedOperator: { id: 8, username: 'zhang.san' } } }),
  task_not_releasable: () => decideRelease({ ...release, task: { ...release.task!, status: 'in_progress' } }),
  no_claimable_task: () => decideClaimNext({ operator: base.operator, activeTaskCount: 0, limit: 10, picked: false }),
  missing_skill: () => decideClaim(withTask({ requiredSkills: ['welding', 'crane'] })),
  task_not_startable: () => decideStart({ ...release, task: { ...release.task!, status: 'draft' } }),
  lease_not_expired: () => decideExpire({ ...release, task: { ...release.task!, leaseExpired: false } }),
};

function paramsFor(code: RejectionCode): ClaimParams {
  const decision = DECISION_FOR[code]();
  if (decision.outcome !== 'rejected') throw new Error(`facts for ${code} did not reject`);
  expect(decision.code).toBe(code);
  return decision.params;
}

const CJK = /[\u4e00-\u9fff]/;

describe('renderMessage', () => {
  test('the fixture covers every rejection code', () => {
    expect(Object.keys(DECISION_FOR).sort()).toEqual([...REJECTION_CODES].sort());
  });

  test('supports exactly en and zh', () => {
    expect([...LANGUAGES]).toEqual(['en', 'zh']);
  });

  describe.each(REJECTION_CODES.map((code) => [code]))('%s', (code) => {
    test.each(LANGUAGES.map((language) => [language]))('renders a complete sentence in %s', (language) => {
      const text = renderMessage(code, paramsFor(code), language);
      expect(text.trim().length).toBeGreaterThan(5);
      expect(text).not.toMatch(/\{\w+\}/);
      expect(text).not.toMatch(/undefined|null|NaN/);
    });

    test('zh text contains CJK characters', () => {
      expect(renderMessage(code, paramsFor(code), 'zh')).toMatch(CJK);
    });

    test('en text contains no CJK characters and starts with a capital letter', () => {
      const text = renderMessage(code, paramsFor(code), 'en');
      expect(text).not.toMatch(CJK);
      expect(text).toMatch(/^[A-Z]/);
    });

    test('en and zh differ', () => {
      const params = paramsFor(code);
      expect(renderMessage(code, params, 'zh')).not.toBe(renderMessage(code, params, 'en'));
    });
  });

  test('already_claimed names the winning username in zh and en', () => {
    const params = paramsFor('already_claimed');
    expect(renderMessage('already_claimed', params, 'zh')).toContain('zhang.san');
    expect(renderMessage('already_claimed', params, 'en')).toContain('zhang.san');
  });

  test('capacity_reached states the count and the limit', () => {
    const params = { active_count: 4, limit: 5 };
    for (const language of LANGUAGES) {
      const text = renderMessage('capacity_reached', params, language);
      expect(text).toContain('4');
      expect(text).toContain('5');
    }
  });

  test('not_in_department names the department', () => {
    const params = paramsFor('not_in_department');
    for (const language of LANGUAGES) expect(renderMessage('not_in_department', params, language)).toContain('Assembly');
  });

  test('task_not_found names the task id', () => {
    const params = paramsFor('task_not_found');
    for (const language of LANGUAGES) expect(renderMessage('task_not_found', params, language)).toContain('99');
  });

  test('operator_inactive names the operator', () => {
    const params = paramsFor('operator_inactive');
    for (const language of LANGUAGES) expect(renderMessage('operator_inactive', params, language)).toContain('li.wei');
  });

  test('not_assignee names the current assignee; of an unassigned task it has its own sentence', () => {
    const params = paramsFor('not_assignee');
    for (const language of LANGUAGES) {
      expect(renderMessage('not_assignee', params, language)).toContain('zhang.san');
      expect(renderMessage('not_assignee_unassigned', {}, language)).not.toMatch(/\{\w+\}/);
    }
  });

  test('missing_skill names the operator and every missing skill', () => {
    const params = paramsFor('missing_skill');
    for (const language of LANGUAGES) expect(renderMessage('missing_skill', params, language)).toMatch(/li\.wei.*welding, crane/);
  });

  test('parameter values are inserted literally (no regex replacement patterns)', () => {
    const text = renderMessage('already_claimed', { username: '$& $1 {limit}' }, 'en');
    expect(text).toContain('$& $1 {limit}');
  });

  test('notification titles name the work content; the content names the order number and notes, without repeating the title', () => {
    const params = { work_content: 'Weld frame A', order_number: 'WO-2024-001', notes: 'bring gloves' };
    const kinds = ['', 'release_', 'lease_', 'reassigned_away_', 'reassigned_to_'] as const;
    for (const language of LANGUAGES) {
      for (const kind of kinds) {
        expect(renderMessage(`${kind}notification_title`, params, language)).toContain('Weld frame A');
        if (kind === 'release_') continue; // a release says "released" in its title; its content is a claim's
        const content = renderMessage(`${kind}notification_content`, params, language);
        expect(content).not.toContain('Weld frame A');
        expect(content).toContain('WO-2024-001');
      }
      expect(renderMessage('notification_notes', params, language)).toContain('bring gloves');
    }
  });

  test('a failed claim says to submit again with a new Idempotency-Key (a replay of its key answers the same failed claim)', () => {
    expect(renderMessage('claim_failed', {}, 'en')).toMatch(/submit .*again with a new Idempotency-Key/);
    expect(renderMessage('claim_failed', {}, 'zh')).toMatch(/新的 Idempotency-Key.*重新提交/);
  });

  test.each([
    'claim_succeeded',
    'claim_already_yours',
    'claim_queued',
    'claim_failed',
    'release_succeeded',
    'release_queued',
    'start_succeeded',
    'start_already',
    'start_queued',
    'reassign_succeeded',
    'reassign_already',
    'reassign_queued',
    'expire_succeeded',
    'expire_queued',
    'not_assignee_start_unassigned',
    'not_assignee_hidden',
    'not_assignee_start_hidden',
    'lease_superseded',
  ] as const)(
    'status message %s renders in both languages without placeholders',
    (key) => {
      for (const language of LANGUAGES) {
        const text = renderMessage(key, {}, language);
        expect(text.length).toBeGreaterThan(3);
        expect(text).not.toMatch(/\{\w+\}/);
      }
      expect(renderMessage(key, {}, 'zh')).toMatch(CJK);
    },
  );
});
