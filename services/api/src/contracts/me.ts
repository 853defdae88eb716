import { z } from 'zod';
import { operatorSummary } from '@taskclaim/shared/contracts';
import { TOKEN_KINDS } from '@taskclaim/shared/domain';

/** Who a token acts as: a console names its operator at sign-in, before any task says so. */
export const meResource = z
  .object({
    kind: z.enum(TOKEN_KINDS),
    name: z.string().meta({ description: 'The name the token was created with.' }),
    operator: operatorSummary.nullable().meta({ description: 'The operator of an operator token; null for integration and admin tokens.' }),
  })
  .meta({ id: 'Me' });
export type MeResource = z.infer<typeof meResource>;
