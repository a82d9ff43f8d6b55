import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  findUntrustedValueIssues,
  invalidRequest,
  replaceInvalidText,
  RequestErrorCode,
  RequestException,
} from '@kizuna/common';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { CONSUMES_METADATA, DEFAULT_MEDIA_TYPES, INVALID_TEXT_METADATA } from './request-body.decorators';

/**
 * The one edge check every routed request passes, after authentication and before any pipe,
 * schema or service: the body's media type must be one the route declares (415 naming them),
 * and the body, query string and path parameters must be data PostgreSQL and plain-object
 * code can take (depth, NUL, lone surrogates, prototype keys, infinite numbers; 400 naming the
 * field). Per-route exceptions are declared with the decorators in request-body.decorators.ts.
 */
@Injectable()
export class UntrustedInputInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') {
      return next.handle();
    }
    const request = context.switchToHttp().getRequest<Request>();
    const targets = [context.getHandler(), context.getClass()];
    checkMediaType(request, this.reflector.getAllAndOverride<string[]>(CONSUMES_METADATA, targets));
    const replace = this.reflector.getAllAndOverride<string>(INVALID_TEXT_METADATA, targets) === 'replace';
    const issues = [
      ...findUntrustedValueIssues(request.params, { root: 'path' }),
      ...findUntrustedValueIssues(request.query, { root: 'query' }),
      ...findUntrustedValueIssues(request.body, { allowInvalidText: replace }),
    ];
    if (issues.length > 0) {
      throw invalidRequest(issues);
    }
    if (replace && request.body !== undefined) {
      request.body = replaceInvalidText(request.body);
    }
    return next.handle();
  }
}

function checkMediaType(request: Request, declared: string[] | undefined): void {
  const accepted = declared ?? DEFAULT_MEDIA_TYPES;
  if (accepted.includes('*') || !hasBody(request)) {
    return;
  }
  const given = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!accepted.includes(given)) {
    throw new RequestException(
      RequestErrorCode.UnsupportedMediaType,
      `${given ? `Content-Type ${given} is not accepted here` : 'The body has no Content-Type'}: send ${accepted.join(' or ')}`,
      { contentType: given || null, accepted },
    );
  }
}

/** A body is there when it is chunked or has a positive length (fetch sends `0` for none). */
function hasBody(request: Request): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) > 0);
}
