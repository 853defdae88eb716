import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { REJECTION_CODES, renderMessage, type Language } from '@taskclaim/shared/domain';
import { isInfrastructureError, type Logger } from '@taskclaim/shared/runtime';
import { languageOf } from './language';
import { sendJson } from './send-json';

/** A problem's `title` in each language; its `type` and `code` never change. */
const TITLES: Record<string, Record<Language, string>> = {
  ...Object.fromEntries(REJECTION_CODES.map((code) => [code, { en: 'Claim rejected', zh: '认领被拒绝' }])),
  callback_host_not_allowed: { en: 'Callback host not allowed', zh: '回调地址的主机不在允许列表中' },
  validation_error: { en: 'The request is not valid', zh: '请求无效' },
  unauthorized: { en: 'Authentication required', zh: '需要身份验证' },
  forbidden: { en: 'Not allowed', zh: '无权执行此操作' },
  not_found: { en: 'Not found', zh: '未找到' },
  task_not_found: { en: 'Task not found', zh: '任务不存在' },
  payload_too_large: { en: 'Request body too large', zh: '请求体过大' },
  unsupported_media_type: { en: 'Unsupported media type', zh: '不支持的媒体类型' },
  idempotency_key_reused: { en: 'Idempotency key reused with a different request', zh: '幂等键已用于另一个不同的请求' },
  rate_limited: { en: 'Too many requests', zh: '请求过多' },
  service_unavailable: { en: 'Service temporarily unavailable', zh: '服务暂时不可用' },
  internal_error: { en: 'Internal error', zh: '内部错误' },
  claim_failed: { en: 'The claim could not be applied', zh: '认领请求未能处理' },
  // 499: the client left before its read was let in (the answer reaches no one, but the log keeps it)
  client_closed_request: { en: 'Client closed the request', zh: '客户端已关闭请求' },
};

/** The title of a code in the request's language; a code without one reads as its words. */
function problemTitle(code: string, language: Language): string {
  return TITLES[code]?.[language] ?? code.replace(/_/g, ' ');
}

/** A sentence in each language the API answers in (SPEC §4: `detail` follows Accept-Language). */
export type Text = Readonly<Record<Language, string>>;

export interface FieldError {
  path: string;
  message: string;
}

/** What an RFC 9457 answer says; a string `detail` is already in the request's language (a claim's outcome). */
export interface Problem {
  readonly status: number;
  readonly code: string;
  readonly detail: Text | string;
  readonly extra?: Record<string, unknown>;
  readonly headers?: Record<string, string>;
}

/** An RFC 9457 problem; thrown anywhere in a route and rendered by `problemHandler`. */
export class HttpProblem extends Error implements Problem {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: Text,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail.en);
    this.name = 'HttpProblem';
  }
}

export const validationProblem = (detail: Text, errors: FieldError[] = []): HttpProblem =>
  new HttpProblem(400, 'validation_error', detail, errors.length ? { errors } : {});

/** 404 task_not_found in the claim rules' own words (SPEC §3, rule 1), whichever endpoint looked. */
export const taskNotFound = (taskId: number): HttpProblem =>
  new HttpProblem(404, 'task_not_found', {
    en: renderMessage('task_not_found', { task_id: taskId }, 'en'),
    zh: renderMessage('task_not_found', { task_id: taskId }, 'zh'),
  });

/** A claim's rejection is an answer, not an error: it is sent as a plain Problem (no stack to capture). */
export function sendProblem(res: Response, problem: Problem): void {
  for (const [name, value] of Object.entries(problem.headers ?? {})) res.setHeader(name, value);
  const language = languageOf(res.req);
  const body = {
    type: `https://taskclaim.dev/problems/${problem.code}`,
    title: problemTitle(problem.code, language),
    status: problem.status,
    detail: typeof problem.detail === 'string' ? problem.detail : problem.detail[language],
    code: problem.code,
    ...problem.extra,
  };
  sendJson(res, problem.status, body, 'application/problem+json; charset=utf-8');
}

export const notFoundHandler: RequestHandler = (req) => {
  throw new HttpProblem(404, 'not_found', { en: `No route for ${req.method} ${req.path}.`, zh: `没有 ${req.method} ${req.path} 的路由` });
};

/** body-parser's error types, as they reach the error handler. */
function bodyParserProblem(error: { type?: string; message?: string }): HttpProblem | undefined {
  switch (error.type) {
    case 'entity.parse.failed': {
      const message = `not valid JSON: ${error.message ?? 'parse error'}`;
      return validationProblem({ en: `The body is ${message}.`, zh: `请求体不是有效的 JSON：${error.message ?? 'parse error'}` }, [{ path: 'body', message }]);
    }
    case 'entity.too.large':
      return new HttpProblem(413, 'payload_too_large', { en: 'The request body is larger than this endpoint accepts.', zh: '请求体超过了此接口接受的大小' });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpProblem(415, 'unsupported_media_type', { en: error.message ?? 'Unsupported body encoding.', zh: error.message ? `不支持的请求体编码：${error.message}` : '不支持的请求体编码' });
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return validationProblem({ en: error.message ?? 'The request body could not be read.', zh: error.message ? `无法读取请求体：${error.message}` : '无法读取请求体' });
    default:
      return undefined;
  }
}

/**
 * Other client errors raised before a route runs: a path that does not percent-decode (Express
 * marks it status 400), or a body whose Content-Encoding does not match its bytes (zlib's codes).
 */
function malformedRequestProblem(error: { status?: unknown; code?: unknown; message?: string }): HttpProblem | undefined {
  if (typeof error.code === 'string' && /^(Z_|ERR_BROTLI|ERR__)/.test(error.code)) {
    return validationProblem({ en: 'The request body does not match its Content-Encoding.', zh: '请求体与其 Content-Encoding 不符' }, [{ path: 'body', message: 'cannot be decoded' }]);
  }
  if (error.status === 400) {
    const why = error.message ?? 'bad request';
    return validationProblem({ en: `The request is malformed: ${why}.`, zh: `请求格式错误：${why}` }, [{ path: 'path', message: 'cannot be decoded' }]);
  }
  return undefined;
}

/** Constraint violations from admin writes (unknown department, taken username): the request is at fault. */
// 22021: text PostgreSQL cannot store, such as U+0000.
const PG_CONSTRAINT_CODES = new Set(['23503', '23505', '23514', '22P02', '22003', '22001', '22021']);
const NOT_PRESENT = /^Key \((\w+)\)=\((.*)\) is not present in table "(\w+)"\.$/;
const ALREADY_EXISTS = /^Key \((\w+)\)=\((.*)\) already exists\.$/;
/** What a referenced table's rows are called in the API, so no answer names a table. */
const THING_IN_TABLE: Record<string, Text> = {
  departments: { en: 'Department', zh: '部门' },
  operators: { en: 'Operator', zh: '操作员' },
  work_orders: { en: 'Work order', zh: '施工单' },
  work_order_tasks: { en: 'Task', zh: '任务' },
};
/** A column whose request field has another name (an operator's departments are written one row each). */
const FIELD_OF_COLUMN: Record<string, string> = { department_id: 'department_ids' };

/**
 * The violation told in the request's words: the field at fault and what is wrong with its value. PostgreSQL's
 * own text is not passed on (it names tables and, for a check, echoes the whole row).
 */
function constraintProblem(error: { code?: unknown; detail?: unknown }): HttpProblem | undefined {
  if (typeof error.code !== 'string' || !PG_CONSTRAINT_CODES.has(error.code)) return undefined;
  const detail = typeof error.detail === 'string' ? error.detail : '';
  const missing = NOT_PRESENT.exec(detail);
  if (missing) {
    const [, column, value, table] = missing;
    const thing = THING_IN_TABLE[table] ?? { en: 'The referenced record', zh: '引用的记录' };
    return validationProblem({ en: `${thing.en} ${value} does not exist.`, zh: `${thing.zh} ${value} 不存在` }, [{ path: `body.${FIELD_OF_COLUMN[column] ?? column}`, message: 'does not exist' }]);
  }
  const taken = ALREADY_EXISTS.exec(detail);
  if (taken) {
    const [, column, value] = taken;
    return validationProblem({ en: `The ${column} ${value} is already taken.`, zh: `${column} ${value} 已被占用` }, [{ path: `body.${FIELD_OF_COLUMN[column] ?? column}`, message: 'already taken' }]);
  }
  return validationProblem({ en: 'A value of the request cannot be stored.', zh: '请求中的某个值无法存储' }, [{ path: 'body', message: 'cannot be stored' }]);
}

export function makeProblemHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) return next(error);
    if (error instanceof HttpProblem) return sendProblem(res, error);
    const parsed = bodyParserProblem(error as { type?: string }) ?? malformedRequestProblem(error as { status?: unknown });
    if (parsed) return sendProblem(res, parsed);
    const constraint = constraintProblem(error as { code?: unknown });
    if (constraint) return sendProblem(res, constraint);
    if (isInfrastructureError(error)) {
      logger.warn('dependency unavailable', { path: req.path, error: (error as Error).message, requestId: res.locals.requestId });
      return sendProblem(res, new HttpProblem(503, 'service_unavailable', { en: 'PostgreSQL or Redis is unavailable; retry shortly.', zh: 'PostgreSQL 或 Redis 暂不可用，请稍后重试' }, {}, { 'Retry-After': '5' }));
    }
    logger.error('unhandled error', { path: req.path, error, requestId: res.locals.requestId });
    return sendProblem(res, new HttpProblem(500, 'internal_error', { en: 'An unexpected error occurred.', zh: '发生了意外错误' }));
  };
}
