import type { Request } from 'express';

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

/** The paginated envelope shared by every list: {count, page, page_size, next, previous, results}. */
export function pageEnvelope<T>(req: Request, request: PageRequest, count: number, results: T[]) {
  return {
    count,
    page: request.page,
    page_size: request.pageSize,
    next: request.page * request.pageSize < count ? pageUrl(req, request.page + 1) : null,
    previous: request.page > 1 ? pageUrl(req, request.page - 1) : null,
    results,
  };
}
