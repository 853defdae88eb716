import type { z } from 'zod';
import { validationProblem } from './problem';

/** Parses a part of the request with its zod contract; failures become 400 validation_error. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, location: 'body' | 'path' | 'query' | 'header'): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({
    path: [location, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw validationProblem(`Invalid ${location}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors);
}
