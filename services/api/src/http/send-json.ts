import type { Response } from 'express';

/**
 * Writes a JSON answer with Node's own response API. Express's `res.json` does more than claims need
 * (ETag and freshness checks, charset negotiation), and the claim routes answer every request of a burst.
 */
export function sendJson(res: Response, status: number, body: unknown, contentType = 'application/json; charset=utf-8'): void {
  const json = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}
