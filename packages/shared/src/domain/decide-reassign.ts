/**
 * The reassign rules of SPEC §4 ("Dispatch"), for the target operator: the claim rules of §3 without
 * rule 6 — a supervisor takes the task from whoever holds it. Already the target's: succeeded,
 * nothing changes (rule 5).
 */
import { decideClaim, type ClaimDecision, type ClaimFacts } from './decide-claim';

export function decideReassign(facts: ClaimFacts): ClaimDecision {
  const { task, operator } = facts;
  const holder = task?.assignedOperator ?? null;
  return decideClaim({ ...facts, task: task && { ...task, assignedOperator: holder?.id === operator.id ? holder : null } });
}
