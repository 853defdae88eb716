import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import type { OpenApiDocument } from '../openapi';

/** GET /openapi.json, and Swagger UI at /docs/ (SPEC §4 operations: no token). */
export function docsRouter(document: OpenApiDocument): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  // GET /docs redirects to /docs/, so the page's relative asset URLs resolve under /docs/. The redirect is
  // ours: serve-static's own carries a CSP of its own, without frame-ancestors 'none' (SPEC §6).
  router.get('/docs', (req, res, next) => {
    if (req.path !== '/docs') return next();
    const query = req.originalUrl.indexOf('?');
    res.redirect(301, `/docs/${query < 0 ? '' : req.originalUrl.slice(query)}`);
  });
  // The UI's assets and its init script (no validator badge: it would load from the internet), which carries this document (serveFiles, not serve: that one
  // holds whichever document was set up last in the process).
  router.use('/docs', swaggerUi.serveFiles(document));
  router.get('/docs/', swaggerUi.setup(document, { customSiteTitle: 'taskclaim API', swaggerOptions: { validatorUrl: null } }));
  return router;
}
