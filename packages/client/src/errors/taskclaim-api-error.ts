import type { Problem } from '../types';

export type FieldError = NonNullable<Problem['errors']>[number];

export interface TaskclaimApiErrorDetails {
  /** per-field errors of a `validation_error` */
  errors?: FieldError[];
  /** seconds, from `Retry-After` (429, 503) */
  retryAfter?: number;
  /** the claim the problem is about, when there is one (a failed claim, a reused Idempotency-Key) */
  claimId?: number;
  /** the problem body as received */
  problem?: Problem;
}

/** The API answered with an error: an RFC 9457 problem (or, from something in between, another body). */
export class TaskclaimApiError extends Error {
  readonly errors: FieldError[];
  readonly retryAfter: number | undefined;
  readonly claimId: number | undefined;
  readonly problem: Problem | undefined;

  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    details: TaskclaimApiErrorDetails = {},
  ) {
    super(`${status} ${code}: ${detail}`);
    this.name = 'TaskclaimApiError';
    this.errors = details.errors ?? [];
    this.retryAfter = details.retryAfter;
    this.claimId = details.claimId;
    this.problem = details.problem;
  }
}
