import type { Request } from 'express';
import type { Language } from '@taskclaim/shared/domain';

/** English unless the client prefers Chinese (zh, zh-CN, zh-Hans, ...) over English. */
export function languageOf(req: Request): Language {
  return req.acceptsLanguages('en', 'zh') === 'zh' ? 'zh' : 'en';
}
