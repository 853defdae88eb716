import express, { type RequestHandler } from 'express';
import { HttpProblem } from './problem';

const hasBody = (headers: Record<string, string | string[] | undefined>): boolean =>
  headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');

/** JSON only, up to `limit`; a request without a body parses as `undefined`. */
export function jsonBody(limit: string): RequestHandler {
  const parse = express.json({ limit, strict: true, type: () => true });
  return (req, res, next) => {
    if (!hasBody(req.headers)) {
      req.body = undefined;
      return next();
    }
    if (!req.is('application/json')) {
      throw new HttpProblem(415, 'unsupported_media_type', 'The request body must be application/json.');
    }
    return parse(req, res, next);
  };
}
