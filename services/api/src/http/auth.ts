import type { Request, RequestHandler, Response } from 'express';
import type * as tokensRepo from '../db/tokens.repository';
import type { TokenRow } from '../db/tokens.repository';
import { HttpProblem, type Text } from './problem';

export type Caller = TokenRow;

const unauthorized = (detail: Text) =>
  new HttpProblem(401, 'unauthorized', detail, {}, { 'WWW-Authenticate': 'Bearer realm="taskclaim"' });

export function makeAuthenticate(findToken: (value: string) => Promise<tokensRepo.ActiveToken | undefined>): RequestHandler {
  return async (req, res, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!match) throw unauthorized({ en: 'Send Authorization: Bearer <token>.', zh: '请发送 Authorization: Bearer <令牌>' });
    if (match[1].length > 512) throw unauthorized({ en: 'The token is not valid.', zh: '令牌无效' });
    const token = await findToken(match[1]);
    if (!token) throw unauthorized({ en: 'The token is unknown or has been revoked.', zh: '令牌不存在或已被吊销' });
    if (token.kind === 'operator' && token.operator_active === false) {
      throw new HttpProblem(403, 'forbidden', { en: 'The operator of this token is deactivated.', zh: '此令牌的操作员已停用' });
    }
    res.locals.caller = token;
    next();
  };
}

export const callerOf = (res: Response): Caller => res.locals.caller as Caller;

export const requireAdmin: RequestHandler = (_req: Request, res, next) => {
  if (callerOf(res).kind !== 'admin') throw new HttpProblem(403, 'forbidden', { en: 'This endpoint needs an admin token.', zh: '此接口需要管理员令牌' });
  next();
};
