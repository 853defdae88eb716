import type { Claim, Problem, RejectionCode } from '../types';
import { TaskclaimApiError } from './taskclaim-api-error';

/** The claim was decided and a claim rule (SPEC §3) rejected it; `code` names the rule. */
export class ClaimRejectedError extends TaskclaimApiError {
  declare readonly code: RejectionCode;
  declare readonly claimId: number;
  /** the decided claim, its `detail` in the language of the request */
  readonly claim: Claim;

  /** `problem`: the 400 answer to a claim that waited; absent when the rejection was read from the claim. */
  constructor(claim: Claim, problem?: Problem) {
    super(400, claim.code as RejectionCode, claim.detail, { claimId: claim.claim_id, problem });
    this.name = 'ClaimRejectedError';
    this.claim = claim;
  }
}
