import { z } from 'zod';
import { MAX_LIST_DEPTH } from '../domain/list-depth';

/** Ids are JSON integers in 1 .. 2^53 - 1. */
export const id = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/**
 * A path id: digits only, no sign, no leading zero, at most 2^53 - 1.
 * Validated as text (it arrives in the URL); the metadata tells OpenAPI readers it is that integer.
 */
export const pathId = z
  .string()
  .regex(/^[1-9][0-9]{0,15}$/, 'must be a positive integer')
  .transform(Number)
  .refine((value) => Number.isSafeInteger(value), 'must be at most 2^53 - 1')
  .meta({ type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

const paginationQuery = z
  .object({
    page: z
      .string()
      .regex(/^[1-9][0-9]{0,8}$/, 'must be a positive integer')
      .transform(Number)
      .meta({
        type: 'integer',
        minimum: 1,
        maximum: 999_999_999,
        description: `page number, from 1; a page starting more than ${MAX_LIST_DEPTH} items deep into a longer list is 400 (a page past the end is empty)`,
      })
      .optional(),
    page_size: z
      .string()
      .regex(/^[1-9][0-9]{0,2}$/, 'must be a positive integer')
      .transform(Number)
      .refine((value) => value <= 100, 'must be at most 100')
      .meta({ type: 'integer', minimum: 1, maximum: 100, description: 'items per page (default 20)' })
      .optional(),
  })
  .strict();

/** `?page=&page_size=` of the lists, and `operator_id` for integration and admin tokens; other parameters are ignored. */
export const listQuery = paginationQuery.extend({ operator_id: pathId.pipe(id).optional() }).strip();

/** `?page=&page_size=` of a list that acts for no operator (a task's history); other parameters are ignored. */
export const pageQuery = paginationQuery.strip();

/** `?operator_id=` (integration and admin tokens); other parameters are ignored. */
export const actingOperatorQuery = z.object({ operator_id: pathId.optional() }).strip();

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    claim_id: z.number().int().optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details (application/problem+json) with a stable `code`; `title` and `detail` in Simplified Chinese when Accept-Language prefers zh, else English.' });
export type Problem = z.infer<typeof problemSchema>;

export const pagedResponse = <T extends z.ZodType>(item: T) =>
  z.object({
    count: z.number().int(),
    page: z.number().int(),
    page_size: z.number().int(),
    next: z.string().nullable().meta({ description: 'The next page as a relative link (path and query), e.g. `/api/notifications/?page=3`; null on the last page.' }),
    previous: z.string().nullable().meta({ description: 'The previous page as a relative link (path and query); null on the first page.' }),
    results: z.array(item),
  });

/** With the `u` flag a surrogate pair is one code point, so only a lone surrogate is in category Cs. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * A request string PostgreSQL can store: well-formed Unicode (a lone UTF-16 surrogate, which JSON can
 * carry as `\ud800`, has no UTF-8 form) and no U+0000 (text cannot hold it). Every string field of a
 * request body goes through here (ids, page numbers and header values are ASCII by their patterns),
 * so such text fails its own request at validation, naming the field, instead of failing inside a
 * write that other requests share (SPEC §6).
 */
export const storable = <T extends z.ZodType<string>>(schema: T): T =>
  schema
    .refine((value) => !LONE_SURROGATE.test(value), 'must be well-formed Unicode (no lone UTF-16 surrogate)')
    .refine((value) => !value.includes('\u0000'), 'must not contain U+0000');

/** A request string of any text. */
export const text = () => storable(z.string());

/** Counts Unicode code points, as "at most 500 characters" means to a person (an emoji is one). */
export const unicodeMax = (max: number) => text().refine((value) => [...value].length <= max, `must be at most ${max} characters`);

/** A skill name (SPEC §2): 1–64 characters, compared exactly. */
const skillName = text()
  .min(1, 'must not be empty')
  .refine((value) => [...value].length <= 64, 'must be at most 64 characters');

/** A set of at most 50 skill names, each given once. */
export const skillSet = z
  .array(skillName)
  .max(50)
  .refine((skills) => new Set(skills).size === skills.length, 'skill names must be unique')
  .meta({ description: 'A set of skill names (each 1–64 characters, at most 50, compared exactly).' });

/** An ISO 8601 date-time with its offset (`Z` or `+08:00`); PostgreSQL has no year 0. */
export const dateTime = z.iso
  .datetime({ offset: true })
  .refine((value) => !value.startsWith('0000'), 'year 0000 does not exist')
  .meta({ examples: ['2026-12-04T16:00:00Z'] });
