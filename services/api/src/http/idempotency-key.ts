import { validationProblem } from './problem';

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
