import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';
import { setRoute } from '../http/request-scope.js';

/** apps/console/dist, from apps/registry/src/routes or apps/registry/dist/routes alike. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../../console/dist/', import.meta.url));

/**
 * The web console's static files at `/` (built by `npm run build` into apps/console/dist). It is a
 * client of the admin API like any other: it holds no privilege of its own. Strict headers: every
 * script, style and request stays on this origin, and no other site may frame it.
 */
export function consoleRouter(dir: string = DEFAULT_CONSOLE_DIR): Router {
  const router = express.Router();
  const built = existsSync(join(dir, 'index.html'));
  router.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path !== '/' && req.path !== '/index.html' && !req.path.startsWith('/assets/')) return next();
    setRoute(res, 'console');
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    if (!built) {
      res.status(404).type('text/plain').send('The web console is not built: run `npm run build` (it builds apps/console).\n');
      return;
    }
    next();
  });
  if (built) {
    router.use(
      express.static(dir, {
        index: 'index.html',
        redirect: false,
        dotfiles: 'ignore',
        setHeaders(res, path) {
          // Hashed asset names change with their content; the page itself is always asked again.
          res.setHeader('Cache-Control', path.includes(`${join('/', 'assets', '/')}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
        },
      }),
    );
  }
  return router;
}
