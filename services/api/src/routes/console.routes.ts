import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router, type RequestHandler } from 'express';

/** Where `vite build` of apps/console puts the operator console. */
export const CONSOLE_DIST = path.resolve(__dirname, '../../../../apps/console/dist');

/**
 * The page talks only to this origin and loads nothing from elsewhere; it holds an operator token,
 * so no inline script, no framing, no referrer.
 */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

const NOT_BUILT = `The operator console is not built yet.
Run \`npm run build:console\` (or \`npm run build\`); \`npm start\` and \`npm run start:api\` build it when it is missing.
`;

/**
 * GET /console/: the operator console (no token needed to load it; it signs in with an operator token
 * and calls /api/ like any client). Hashed assets are cached for good, index.html is revalidated, and a
 * path without a file extension falls back to index.html. Before `vite build` has run, it says so.
 */
export function consoleRouter(dist = CONSOLE_DIST): Router {
  const router = Router();
  const index = path.join(dist, 'index.html');
  const assets = path.join(dist, 'assets') + path.sep;

  const headers: RequestHandler = (_req, res, next) => {
    res.set(SECURITY_HEADERS);
    next();
  };
  // The service's front door is the console (it links the API docs).
  router.get('/', (_req, res) => res.redirect(302, '/console/'));
  router.use('/console', headers);
  router.get('/console', (req, res, next) => {
    // Relative URLs of the page resolve under /console/.
    const url = new URL(req.originalUrl, 'http://console');
    if (url.pathname === '/console') return res.redirect(301, `/console/${url.search}`);
    next();
  });
  router.use(
    '/console',
    express.static(dist, {
      // the page itself is answered by the routes below, so the metrics label it `/console/`
      index: false,
      redirect: false,
      setHeaders(res, file) {
        res.setHeader('Cache-Control', file.startsWith(assets) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  // The index fallback: any other page path; a missing asset (with an extension) stays a 404.
  const fallback: RequestHandler = (req, res, next) => {
    if (path.extname(req.path)) return next();
    if (!existsSync(index)) {
      res.status(503).set('Retry-After', '10').type('text/plain; charset=utf-8').send(NOT_BUILT);
      return;
    }
    res.set('Cache-Control', 'no-cache').sendFile(index);
  };
  router.get('/console/', fallback);
  router.get('/console/{*page}', fallback);
  return router;
}
