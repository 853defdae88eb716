/**
 * The claim-next rules of SPEC §4 ("Release and claim-next"), pure: operator deactivated →
 * `operator_inactive`; at the limit → `capacity_reached` (as rule 7); nothing left to pick →
 * `no_claimable_task`; otherwise succeeded, exactly as rule 8, on the task the worker picked.
 */
import { capacityRejection, inactiveRejection, reject, type ClaimDecision } from './decide-claim';

export interface ClaimNextFacts {
  operator: { id: number; username: string; active: boolean };
  activeTaskCount: number;
  limit: number;
}

/** The rules that need no task: checked before one is picked, so a refused request locks none. */
export const refuseClaimNext = (facts: ClaimNextFacts): ClaimDecision | undefined => inactiveRejection(facts.operator) ?? capacityRejection(facts);

/** The outcome once the worker looked for a task: `picked` tells whether it found one. */
export function decideClaimNext(facts: ClaimNextFacts & { picked: boolean }): ClaimDecision {
  return refuseClaimNext(facts) ?? (facts.picked ? { outcome: 'succeeded', alreadyClaimed: false } : reject('no_claimable_task'));
}
