import type { Request } from 'express';

export interface PageRequest {
  page: number;
  pageSize: number;
}

export const DEFAULT_PAGE_SIZE = 20;

export const pageWindow = ({ page, pageSize }: PageRequest) => ({ offset: (page - 1) * pageSize, limit: pageSize });

function pageUrl(req: Request, page: number): string {
  const url = new URL(req.originalUrl, `${req.protocol}://${req.get('host') ?? 'localhost'}`);
  url.searchParams.set('page', String(page));
  return url.toString();
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
