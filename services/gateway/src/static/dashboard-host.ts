import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router } from 'express';
import { HttpError } from '../http-error.js';

/**
 * Serves the built dashboard: hashed assets cached for a year, index.html never cached,
 * and every other path answered with index.html so client-side routes survive a reload.
 */
export function dashboardHost(dashboardDir: string): Router {
  const router = Router();
  const index = join(dashboardDir, 'index.html');
  if (!existsSync(index)) {
    router.get('/', (_request, response) => {
      response
        .status(200)
        .type('html')
        .send(
          '<!doctype html><title>Elastic inference</title><p>The gateway runs; the dashboard is not built. Run <code>pnpm build</code> in the project root.</p><p>API: <a href="/api/streams">/api/streams</a>, <a href="/api/types">/api/types</a>.</p>',
        );
    });
    return router;
  }
  router.use(
    '/assets',
    express.static(join(dashboardDir, 'assets'), { immutable: true, maxAge: '365d' }),
  );
  // A missing asset (or a method other than GET) is a JSON 404, never the page: a script
  // tag given HTML fails without saying why.
  router.use('/assets', () => {
    throw new HttpError(404, 'route/not-found', 'no such asset');
  });
  router.use(express.static(dashboardDir, { index: false, maxAge: 0 }));
  router.get(/^\/(?!api\/|ws|metrics|healthz|readyz).*/, (_request, response) => {
    response.setHeader('Cache-Control', 'no-cache');
    response.sendFile(index);
  });
  return router;
}
