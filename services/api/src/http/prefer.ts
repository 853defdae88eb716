import { MAX_WAIT_SECONDS } from '@taskclaim/shared/contracts';
import { validationProblem } from './problem';

export interface Preferences {
  /** seconds to hold the request until the claim is decided; 0 when not asked */
  waitSeconds: number;
}

/**
 * RFC 7240 `Prefer`; unknown preferences are ignored, a malformed or too long wait is a 400.
 * `respond-async` needs nothing: an undecided claim is answered 202 unless it waits, and with
 * `respond-async, wait=N` it waits up to N seconds first (RFC 7240 §4.3), as `wait=N` alone does.
 */
export function parsePrefer(header: string | string[] | undefined): Preferences {
  const preferences: Preferences = { waitSeconds: 0 };
  const values = Array.isArray(header) ? header : header ? [header] : [];
  for (const token of values.flatMap((value) => value.split(','))) {
    const [name, rawValue] = token.split(';')[0].split('=').map((part) => part.trim());
    const lowered = name.toLowerCase();
    if (lowered !== 'wait') continue;
    const value = rawValue?.replace(/^"(.*)"$/, '$1');
    if (!value || !/^[0-9]{1,6}$/.test(value) || Number(value) > MAX_WAIT_SECONDS) {
      const detail = {
        en: `Prefer: wait must be a whole number of seconds from 0 to ${MAX_WAIT_SECONDS}.`,
        zh: `Prefer: wait 必须是 0 到 ${MAX_WAIT_SECONDS} 之间的整数秒`,
      };
      throw validationProblem(detail, [
        { path: 'header.prefer', message: `wait must be an integer from 0 to ${MAX_WAIT_SECONDS}` },
      ]);
    }
    preferences.waitSeconds = Number(value);
  }
  return preferences;
}
