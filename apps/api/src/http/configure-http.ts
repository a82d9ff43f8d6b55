import { randomUUID } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { httpRequestDuration } from '@kizuna/common';
import type { KizunaConfig } from '@kizuna/config';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { sendError, toErrorBody } from './error.filter';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Express-level setup shared by every process that serves HTTP (and by the e2e tests):
 * request ids and access logs, metrics, body limits, OpenAPI docs at /docs.
 */
export function configureHttp(app: NestExpressApplication, config: KizunaConfig, logger: Logger): void {
  app.disable('x-powered-by');
  app.set('trust proxy', true);
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
  app.use((req: Request, res: Response, next: NextFunction) => {
    const end = httpRequestDuration.startTimer({ method: req.method });
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      end({ route: route ? `${req.baseUrl}${route}` : 'unmatched', status: String(res.statusCode) });
    });
    next();
  });
  app.useBodyParser('json', { limit: config.http.bodyLimitBytes });
  // Journey definitions may be posted as YAML; the body arrives as text and is parsed by the route.
  app.useBodyParser('text', {
    type: ['application/yaml', 'application/x-yaml', 'text/yaml'],
    limit: config.http.bodyLimitBytes,
  });

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Kizuna API')
      .setDescription(
        'Customer-journey orchestration: event ingest, customers, operations. See docs/ in the repository.',
      )
      .setVersion('1')
      .addBearerAuth()
      .addBasicAuth()
      .build(),
  );
  // Public on purpose: the API's shape is no secret, and every route it lists checks its own access.
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
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
