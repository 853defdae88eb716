import type { Request, RequestHandler, Response } from 'express';
import { makeSlotsPerKey } from '@taskclaim/shared/runtime';
import { callerOf } from './auth';
import { HttpProblem } from './problem';

/** A request over its token's share is refused rather than queued: the retry comes after the token's other requests are answered. */
const RETRY_AFTER_SECONDS = 1;

/**
 * MAX_CONCURRENT_PER_TOKEN requests of one token in progress in this process (SPEC §6): the excess is
 * answered 429 at once, so one token's burst cannot take every pooled PostgreSQL connection and fail
 * other tokens' requests with 503. A request's slot is given back when its answer is sent or its
 * client goes away — or earlier by `leaveConcurrencyLimit`: a long-poll that starts waiting holds a
 * wait slot instead (MAX_WAITS_PER_TOKEN), and an event stream its stream slot.
 */
export function makeConcurrencyLimit(perToken: number, countsApart: (req: Request) => boolean): RequestHandler {
  const slots = makeSlotsPerKey<number>(perToken);
  return (req, res, next) => {
    if (countsApart(req)) return next();
    const tokenId = callerOf(res).id;
    if (!slots.take(tokenId)) {
      const detail = {
        en: `This token has ${perToken} requests in progress already; retry once some are answered.`,
        zh: `此令牌已有 ${perToken} 个请求正在处理，请在其中一些得到答复后重试`,
      };
      throw new HttpProblem(429, 'rate_limited', detail, {}, {
        'Retry-After': String(RETRY_AFTER_SECONDS),
      });
    }
    let held = true;
    const leave = () => {
      if (!held) return;
      held = false;
      slots.give(tokenId);
    };
    res.locals.leaveConcurrencyLimit = leave;
    res.once('close', leave);
    next();
  };
}

/** The request no longer counts against its token's MAX_CONCURRENT_PER_TOKEN (it now holds a wait or a stream slot). */
export function leaveConcurrencyLimit(res: Response): void {
  (res.locals.leaveConcurrencyLimit as (() => void) | undefined)?.();
}
