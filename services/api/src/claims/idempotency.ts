import { createHash } from 'node:crypto';
import type { ClaimAction } from '@taskclaim/shared/domain';
import type { ClaimRow } from '@taskclaim/shared/db';

/**
 * What makes two submissions "the same request": the action, the task and the body as the server
 * understood it (for claim-next, the departments it may pick from). A claim's fingerprint leaves the
 * action out, so the keys of claims stored before there were other actions still replay.
 */
export function requestFingerprint(request: {
  action: ClaimAction;
  task_id: number | null;
  department_ids: number[] | null;
  operator_id: number;
  notes: string;
  callback_url: string | null;
}): string {
  const fields = [request.task_id, request.operator_id, request.notes, request.callback_url];
  return createHash('sha256')
    .update(JSON.stringify(request.action === 'claim' ? fields : [...fields, request.action, request.department_ids]))
    .digest('hex');
}

/** A replay gets the original claim; the same key with another request is refused. */
export const isSameRequest = (original: ClaimRow, fingerprint: string): boolean => original.request_fingerprint === fingerprint;
