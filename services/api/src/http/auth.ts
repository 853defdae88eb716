import type { Request, RequestHandler, Response } from 'express';
import type * as tokensRepo from '../db/tokens.repository';
import type { TokenRow } from '../db/tokens.repository';
import { HttpProblem } from './problem';

export type Caller = TokenRow;

const unauthorized = (detail: string) =>
  new HttpProblem(401, 'unauthorized', detail, {}, { 'WWW-Authenticate': 'Bearer realm="taskclaim"' });

export function makeAuthenticate(findToken: (value: string) => Promise<tokensRepo.ActiveToken | undefined>): RequestHandler {
  return async (req, res, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!match) throw unauthorized('Send Authorization: Bearer <token>.');
    if (match[1].length > 512) throw unauthorized('The token is not valid.');
    const token = await findToken(match[1]);
    if (!token) throw unauthorized('The token is unknown or has been revoked.');
    if (token.kind === 'operator' && token.operator_active === false) {
      throw new HttpProblem(403, 'forbidden', 'The operator of this token is deactivated.');
    }
    res.locals.caller = token;
    next();
  };
}

export const callerOf = (res: Response): Caller => res.locals.caller as Caller;

export const requireAdmin: RequestHandler = (_req: Request, res, next) => {
  if (callerOf(res).kind !== 'admin') throw new HttpProblem(403, 'forbidden', 'This endpoint needs an admin token.');
  next();
};
