import { z } from 'zod';

export const health = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

const dependencyCheck = z.enum(['ok', 'unavailable']);
export const readiness = z
  .object({ status: z.literal('ready'), checks: z.object({ postgres: dependencyCheck, redis: dependencyCheck }) })
  .meta({ id: 'Readiness' });
