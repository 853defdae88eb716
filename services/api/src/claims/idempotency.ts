import { createHash } from 'node:crypto';
import type { ClaimRow } from '@taskclaim/shared';

/** What makes two submissions "the same request": the task and the body as the server understood it. */
export function requestFingerprint(request: { task_id: number; operator_id: number; notes: string; callback_url: string | null }): string {
  return createHash('sha256')
    .update(JSON.stringify([request.task_id, request.operator_id, request.notes, request.callback_url]))
    .digest('hex');
}

/** A replay gets the original claim; the same key with another request is refused. */
export const isSameRequest = (original: ClaimRow, fingerprint: string): boolean => original.request_fingerprint === fingerprint;
