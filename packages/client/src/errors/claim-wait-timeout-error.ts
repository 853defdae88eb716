import type { Claim } from '../types';

/** `waitForClaim` gave up: the claim was not decided within `timeoutMs`. It may still be decided later. */
export class ClaimWaitTimeoutError extends Error {
  constructor(
    readonly claimId: number,
    readonly timeoutMs: number,
    /** the claim as last read, if it could be read at all */
    readonly claim: Claim | undefined,
  ) {
    super(`Claim ${claimId} was not decided within ${timeoutMs} ms.`);
    this.name = 'ClaimWaitTimeoutError';
  }
}
