import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { KizunaConfig } from '@kizuna/config';
import { json, text, urlencoded, type Request, type RequestHandler, type Response } from 'express';
import type { Observable } from 'rxjs';
import { YAML_MEDIA_TYPES } from './request-body.decorators';
import { runMiddleware } from './run-middleware.util';

/**
 * Reads and parses request bodies after the guards, not before them: Nest runs every guard
 * (API key, rate limits, Shopify signature, link token) before any interceptor, and route
 * parameters (`@Body()`) are resolved after the interceptors. So a request without valid
 * credentials is answered 401/429 without its body being parsed: an unauthenticated client
 * cannot make the server parse megabytes of JSON. The app is created with Nest's own parsers off
 * (HTTP_APPLICATION_OPTIONS). A body a guard already read (the Shopify signature check) is
 * left as that guard parsed it.
 */
@Injectable()
export class BodyParsingInterceptor implements NestInterceptor {
  private readonly parsers: RequestHandler[];

  constructor(config: KizunaConfig) {
    const limit = config.http.bodyLimitBytes;
    this.parsers = [
      json({ limit }),
      // Forms: the unsubscribe page's buttons and RFC 8058 one-click posts; small and flat.
      urlencoded({ extended: false, limit: '100kb' }),
      // Journey definitions may be posted as YAML; the body arrives as text and the route parses it.
      text({ type: [...YAML_MEDIA_TYPES], limit }),
    ];
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() === 'http') {
      const http = context.switchToHttp();
      const req = http.getRequest<Request>();
      const res = http.getResponse<Response>();
      for (const parser of this.parsers) {
        await runMiddleware(parser, req, res);
      }
    }
    return next.handle();
  }
}
