import { validationProblem } from './problem';

const KEY = /^[\x21-\x7e]{1,255}$/;

/** `Idempotency-Key`: 1 to 255 visible ASCII characters, or absent. */
export function parseIdempotencyKey(header: string | string[] | undefined): string | null {
  if (header === undefined) return null;
  if (typeof header !== 'string' || !KEY.test(header)) {
    throw validationProblem({ en: 'Idempotency-Key must be 1 to 255 visible ASCII characters.', zh: 'Idempotency-Key 必须是 1 到 255 个可见 ASCII 字符' }, [
      { path: 'header.idempotency-key', message: 'must be 1 to 255 visible ASCII characters' },
    ]);
  }
  return header;
}
