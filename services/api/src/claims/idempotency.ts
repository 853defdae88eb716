import { createHash } from 'node:crypto';
import type { ClaimRow } from '@taskclaim/shared';
import { HttpProblem, validationProblem } from '../http/problem';

const KEY = /^[\x21-\x7e]{1,255}$/;

/** `Idempotency-Key`: 1 to 255 visible ASCII characters, or absent. */
export function parseIdempotencyKey(header: string | string[] | undefined): string | null {
  if (header === undefined) return null;
  if (typeof header !== 'string' || !KEY.test(header)) {
    throw validationProblem('Idempotency-Key must be 1 to 255 visible ASCII characters.', [
      { path: 'header.idempotency-key', message: 'must be 1 to 255 visible ASCII characters' },
    ]);
  }
  return header;
}

/** What makes two submissions "the same request": the task and the body as the server understood it. */
export function requestFingerprint(request: { task_id: number; operator_id: number; notes: string; callback_url: string | null }): string {
  return createHash('sha256')
    .update(JSON.stringify([request.task_id, request.operator_id, request.notes, request.callback_url]))
    .digest('hex');
}

/** A replay gets the original claim; the same key with another request is refused. */
export function assertSameRequest(original: ClaimRow, fingerprint: string): void {
  if (original.request_fingerprint !== fingerprint) {
    throw new HttpProblem(422, 'idempotency_key_reused', 'This Idempotency-Key was already used by this token for a different request.', {
      claim_id: original.id,
    });
  }
}
