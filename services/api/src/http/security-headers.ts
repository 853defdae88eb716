import type { RequestHandler } from 'express';

/**
 * Every answer of the service, whichever router sends it (SPEC §6): no content sniffing, and no page
 * framed by another site (clickjacking of the dashboard's pause/clean buttons). The CSP says only
 * `frame-ancestors`, so it restricts nothing else: swagger-ui and bull-board keep their inline scripts
 * and styles, and a router with a stricter policy of its own (the console) replaces it.
 */
export const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ['X-Content-Type-Options', 'nosniff'],
  ['Content-Security-Policy', "frame-ancestors 'none'"],
  // for browsers that predate frame-ancestors
  ['X-Frame-Options', 'DENY'],
];

// Node's setHeader: Express's res.set would coerce and check each value for a charset on every request.
export const securityHeaders: RequestHandler = (_req, res, next) => {
  for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value);
  next();
};
