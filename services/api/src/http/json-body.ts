import { isUtf8 } from 'node:buffer';
import express, { type RequestHandler } from 'express';
import { HttpProblem } from './problem';

const hasBody = (headers: Record<string, string | string[] | undefined>): boolean =>
  headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');

/** JSON is UTF-8 (RFC 8259): bytes that are not would otherwise be stored as U+FFFD without a word. */
function mustBeUtf8(_req: unknown, _res: unknown, body: Buffer): void {
  if (!isUtf8(body)) throw Object.assign(new Error('its bytes are not UTF-8'), { type: 'entity.parse.failed' });
}

/** JSON only, up to `limit`; a request without a body parses as `undefined`. */
export function jsonBody(limit: string): RequestHandler {
  const parse = express.json({ limit, strict: true, type: () => true, verify: mustBeUtf8 });
  return (req, res, next) => {
    if (!hasBody(req.headers)) {
      req.body = undefined;
      return next();
    }
    if (!req.is('application/json')) {
      throw new HttpProblem(415, 'unsupported_media_type', { en: 'The request body must be application/json.', zh: '请求体必须是 application/json' });
    }
    return parse(req, res, next);
  };
}
