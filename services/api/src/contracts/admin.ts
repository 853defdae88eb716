import { z } from 'zod';
import { id, skillSet, text } from '@taskclaim/shared/contracts';
import { TOKEN_KINDS } from '@taskclaim/shared/domain';

const claimLeaseSeconds = z.number().int().min(1).max(604_800);

export const departmentUpsert = z
  .object({ name: text().min(1).max(200), claim_lease_seconds: claimLeaseSeconds.nullable().optional() })
  .strict()
  .meta({
    id: 'DepartmentUpsert',
    description:
      '`claim_lease_seconds` (1–604800): a task of the department claimed and not started within it goes back to the pool. On update an omitted one keeps its value; null clears it.',
  });
export const departmentResource = z
  .object({ id: z.number().int(), name: z.string(), claim_lease_seconds: z.number().int().nullable() })
  .meta({ id: 'Department' });

export const operatorUpsert = z
  .object({
    username: text().min(1).max(150),
    first_name: text().max(150).optional(),
    last_name: text().max(150).optional(),
    department_ids: z.array(id).max(1000),
    active: z.boolean().optional(),
    max_active_tasks: z.number().int().min(0).max(100_000).nullable().optional(),
    skills: skillSet.optional(),
  })
  .strict()
  .meta({
    id: 'OperatorUpsert',
    description:
      '`department_ids` replaces the memberships; `max_active_tasks` null uses MAX_ACTIVE_TASKS; `skills` are what task `required_skills` are checked against. On update an omitted optional field keeps its current value; a new operator is active, with no name, no limit of its own and no skills.',
  });

export const operatorResource = z
  .object({
    id: z.number().int(),
    username: z.string(),
    first_name: z.string(),
    last_name: z.string(),
    active: z.boolean(),
    max_active_tasks: z.number().int().nullable(),
    skills: z.array(z.string()),
    department_ids: z.array(z.number().int()),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Operator' });

/** `host` (any port) or `host:port`. */
const callbackHost = text()
  .max(255)
  .regex(/^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$/, 'must be host or host:port');

export const tokenCreate = z
  .object({
    kind: z.enum(TOKEN_KINDS),
    name: text().min(1).max(200),
    operator_id: id.optional(),
    department_ids: z.array(id).max(1000).optional(),
    callback_hosts: z.array(callbackHost).max(100).optional(),
  })
  .strict()
  .superRefine((token, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (token.kind === 'operator' && token.operator_id === undefined) issue('operator_id', 'required for operator tokens');
    if (token.kind !== 'operator' && token.operator_id !== undefined) issue('operator_id', 'only operator tokens act as one operator');
    if (token.kind === 'integration' && !token.department_ids?.length) issue('department_ids', 'required for integration tokens');
    if (token.kind !== 'integration' && token.department_ids !== undefined) issue('department_ids', 'only integration tokens have departments');
    if (token.kind === 'operator' && token.callback_hosts !== undefined) issue('callback_hosts', 'operator tokens cannot receive webhooks');
  })
  .meta({
    id: 'TokenCreate',
    description: 'operator tokens need `operator_id`; integration tokens need `department_ids` and may have `callback_hosts`; admin tokens have neither.',
  });

export const tokenCreated = z
  .object({
    id: z.number().int(),
    kind: z.enum(TOKEN_KINDS),
    name: z.string(),
    token: z.string(),
    webhook_secret: z.string().optional(),
  })
  .meta({ id: 'TokenCreated', description: '`token` (and `webhook_secret`, for integration and admin tokens) are shown only once.' });
