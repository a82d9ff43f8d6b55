import type { NestExpressApplication } from '@nestjs/platform-express';
import type { KizunaConfig } from '@kizuna/config';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';

type Directives = Record<string, string[] | null>;

/**
 * The Content-Security-Policy of every response: the one place that says what pages served by
 * the api may load. Today's pages are the unsubscribe/preference page (/u, a state-changing
 * form), the NPS answer page (/n, a form posting to itself) and Swagger UI (/docs); the console will be served at `/`
 * under the same policy. A page that needs more (a CDN, a websocket, a font host) adds it here.
 *
 * - No page may be framed (`frame-ancestors 'none'`): the preference form must not be
 *   clickjacked.
 * - Scripts only from Kizuna's own origin, none inline: Swagger UI loads external files
 *   (swagger-ui-bundle.js, swagger-ui-init.js); the small pages have no script.
 * - Styles may be inline: Swagger UI's page and the small pages carry `<style>` blocks and style
 *   attributes, and a style cannot run code.
 * - Forms post to Kizuna only; no plugins; `<base>` cannot move relative URLs elsewhere.
 */
export function contentSecurityPolicy(config: KizunaConfig): Directives {
  return {
    'default-src': ["'self'"],
    'base-uri': ["'self'"],
    'connect-src': ["'self'"],
    'font-src': ["'self'", 'data:'],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
    'img-src': ["'self'", 'data:'],
    'object-src': ["'none'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    // Only where Kizuna is reached over HTTPS: on http://localhost it would send the browser to
    // an https:// that does not exist.
    'upgrade-insecure-requests': isHttps(config) ? [] : null,
  };
}

/**
 * Helmet on every response, HTML and JSON alike (a JSON answer opened in a browser is a page
 * too): the CSP above, X-Frame-Options DENY for browsers without frame-ancestors, nosniff,
 * Referrer-Policy no-referrer (link tokens are in our URLs), HSTS when PUBLIC_URL is https.
 * Open-tracking pixels and click redirects are fetched from other sites' pages (webmail), so
 * `/t/` allows cross-origin reads of its resources; everything else is same-origin.
 */
export function applySecurityHeaders(app: NestExpressApplication, config: KizunaConfig): void {
  app.use(
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy(config) },
      xFrameOptions: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
      strictTransportSecurity: isHttps(config) ? { maxAge: 31_536_000, includeSubDomains: true } : false,
      crossOriginResourcePolicy: { policy: 'same-origin' },
    }),
  );
  app.use('/t/', (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    next();
  });
}

const isHttps = (config: KizunaConfig): boolean => config.http.publicUrl.startsWith('https://');
