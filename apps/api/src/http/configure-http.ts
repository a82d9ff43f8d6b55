import { randomUUID } from 'node:crypto';
import type { NestApplicationOptions } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { httpRequestDuration } from '@kizuna/common';
import type { KizunaConfig } from '@kizuna/config';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { createOpenApiDocument } from '../openapi/openapi-document';
import { serveConsole } from './console-static';
import { sendError, toErrorBody } from './error.filter';
import { applySecurityHeaders } from './security-headers';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * How every process that serves HTTP creates its Nest application (and the e2e tests theirs).
 * Nest's own body parsers are off: BodyParsingInterceptor reads bodies after the guards, so an
 * unauthenticated request is refused before its body is parsed.
 */
export const HTTP_APPLICATION_OPTIONS = { bodyParser: false } as const satisfies NestApplicationOptions;

/**
 * Express-level setup shared by every process that serves HTTP (and by the e2e tests):
 * the client address (TRUST_PROXY), security headers, request ids and access logs, metrics,
 * OpenAPI docs at /docs, the console at /.
 */
export function configureHttp(app: NestExpressApplication, config: KizunaConfig, logger: Logger): void {
  app.disable('x-powered-by');
  app.set('trust proxy', config.http.trustProxy);
  applySecurityHeaders(app, config);
  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_req, res, error) =>
        error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use(warnOfUntrustedForwarding(logger));
  app.use((req: Request, res: Response, next: NextFunction) => {
    const end = httpRequestDuration.startTimer({ method: req.method });
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      end({ route: route ? `${req.baseUrl}${route}` : 'unmatched', status: String(res.statusCode) });
    });
    next();
  });

  // Public on purpose: the API's shape is no secret, and every route it lists checks its own access.
  SwaggerModule.setup('docs', app, createOpenApiDocument(app), { jsonDocumentUrl: 'docs/openapi.json' });
  serveConsole(app, logger);
}

/**
 * X-Forwarded-For from a peer TRUST_PROXY does not trust is ignored, rightly; but if it is the
 * operator's own load balancer, every client now shares its address and one client's failed
 * keys block them all. Said once per process, with the peer, so the fix is obvious.
 */
function warnOfUntrustedForwarding(logger: Logger): (req: Request, res: Response, next: NextFunction) => void {
  let warned = false;
  return (req, _res, next) => {
    if (!warned && req.headers['x-forwarded-for'] !== undefined && req.ips.length === 0) {
      warned = true;
      logger.warn(
        { peer: req.socket.remoteAddress },
        'X-Forwarded-For from a peer TRUST_PROXY does not trust: ignored; if it is your proxy, set TRUST_PROXY',
      );
    }
    next();
  };
}

/** Errors raised by Express itself (body parser) before Nest's filter can see them. */
export function expressErrorHandler(
  error: unknown,
  req: Request & { id?: string },
  res: Response,
  next: NextFunction,
): void {
  if (res.headersSent) {
    next(error);
    return;
  }
  sendError(res, toErrorBody(error, String(req.id ?? '')));
}
