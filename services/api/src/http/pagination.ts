import type { Request, Response } from 'express';
import type { FairGate } from '../reads/fair-gate';
import { callerOf } from './auth';
import { MAX_LIST_DEPTH, isTooDeep } from '@taskclaim/shared/domain';
import { validationProblem } from './problem';

export interface PageRequest {
  page: number;
  pageSize: number;
}

export const DEFAULT_PAGE_SIZE = 20;

/** `?page=&page_size=` as parsed, with the defaults filled in. */
export const pageRequestOf = (query: { page?: number; page_size?: number }): PageRequest => ({ page: query.page ?? 1, pageSize: query.page_size ?? DEFAULT_PAGE_SIZE });

export const pageWindow = ({ page, pageSize }: PageRequest) => ({ offset: (page - 1) * pageSize, limit: pageSize });

/**
 * Relative (path and query): the Host header is the client's to send, so an absolute link would echo
 * any value into the answer (and a malformed one made `new URL` throw).
 */
function pageUrl(req: Request, page: number): string {
  const queryAt = req.originalUrl.indexOf('?');
  const path = queryAt === -1 ? req.originalUrl : req.originalUrl.slice(0, queryAt);
  const query = new URLSearchParams(queryAt === -1 ? '' : req.originalUrl.slice(queryAt + 1));
  query.set('page', String(page));
  return `${path}?${query}`;
}

/**
 * The paginated envelope shared by every list: {count, page, page_size, next, previous, results}.
 * A page starting deeper than MAX_LIST_DEPTH inside the list is refused (its rows were not read), and
 * no `next` leads there.
 */
export function pageEnvelope<T>(req: Request, request: PageRequest, count: number, results: T[]) {
  const { offset } = pageWindow(request);
  if (isTooDeep({ offset }, count)) {
    const detail = {
      en: `Lists go ${MAX_LIST_DEPTH} items deep: page ${request.page} of ${request.pageSize} starts at item ${offset + 1} of ${count}.`,
      zh: `列表最多只能翻到第 ${MAX_LIST_DEPTH} 项：每页 ${request.pageSize} 项时，第 ${request.page} 页从 ${count} 项中的第 ${offset + 1} 项开始`,
    };
    throw validationProblem(detail, [
      { path: 'query.page', message: `must start within the first ${MAX_LIST_DEPTH} items` },
    ]);
  }
  const nextOffset = offset + request.pageSize;
  return {
    count,
    page: request.page,
    page_size: request.pageSize,
    next: nextOffset < Math.min(count, MAX_LIST_DEPTH) ? pageUrl(req, request.page + 1) : null,
    previous: request.page > 1 ? pageUrl(req, request.page - 1) : null,
    results,
  };
}

/** Runs a list's reads through the process's fair gate (deps.listReads), as the caller's turn. */
export function readList<T>(gate: FairGate, res: Response, read: () => Promise<T>): Promise<T> {
  return gate.run(callerOf(res).id, read, () => !res.socket || res.socket.destroyed);
}
