import type { z } from 'zod';
import { validationProblem } from './problem';

const PART_IN_CHINESE = { body: '请求体', path: '路径参数', query: '查询参数', header: '请求头' } as const;

/** Parses a part of the request with its zod contract; failures become 400 validation_error. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, location: 'body' | 'path' | 'query' | 'header'): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({
    path: [location, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  const detail = {
    en: `Invalid ${location}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
    zh: `${PART_IN_CHINESE[location]}无效：${errors.map((e) => e.path).join('、')}（详见 errors）`,
  };
  throw validationProblem(detail, errors);
}
