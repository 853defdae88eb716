import type { Request } from 'express';
import type { Language } from '@taskclaim/shared/domain';

/** English unless the client prefers Chinese (zh, zh-CN, zh-Hans, ...) over English; without Accept-Language nothing is negotiated. */
export function languageOf(req: Request): Language {
  if (req.headers['accept-language'] === undefined) return 'en';
  return req.acceptsLanguages('en', 'zh') === 'zh' ? 'zh' : 'en';
}
