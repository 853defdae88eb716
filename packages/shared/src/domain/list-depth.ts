/**
 * How deep into a list a page may start (in items): a deeper page of a longer list is refused (400),
 * so no page costs more than walking this many index entries. A page past the end of a list is an
 * empty page, whatever its number.
 */
export const MAX_LIST_DEPTH = 10_000;

/** Whether a list's page is worth reading: it starts inside the list, and no deeper than MAX_LIST_DEPTH. */
export const isReadablePage = (page: { offset: number }, count: number): boolean => page.offset < Math.min(count, MAX_LIST_DEPTH);

/** A page that starts inside the list but deeper than MAX_LIST_DEPTH: refused rather than walked to. */
export const isTooDeep = (page: { offset: number }, count: number): boolean => page.offset >= MAX_LIST_DEPTH && page.offset < count;
