import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { DomainException, RequestErrorCode } from '@kizuna/common';
import { DatabaseException } from '@kizuna/database';
import type { Request, Response } from 'express';
import { httpStatusOf, retryAfterSecondsOf, type KizunaErrorCode } from './error-status';

export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details?: unknown;
  requestId: string;
}

/**
 * The one place errors become HTTP responses: `{ statusCode, code, message, details?, requestId }`.
 * A 500 says nothing about internals; its stack is logged under the same requestId. A driver
 * error meaning the database is unreachable becomes DATABASE_UNAVAILABLE (503 + Retry-After)
 * here, wherever it was thrown, so no controller or service needs to recognise one.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request & { id?: string }>();
    const response = http.getResponse<Response>();
    const body = toErrorBody(error, String(request.id ?? ''));
    if (body.statusCode === 500) {
      this.logger.error({
        msg: 'request failed',
        requestId: body.requestId,
        method: request.method,
        url: request.originalUrl,
        err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error),
      });
    }
    if (!response.headersSent) {
      sendError(response, body);
    }
  }
}

/** Writes an error body, with `Retry-After` when its code says when to come back. */
export function sendError(response: Response, body: ErrorBody): void {
  const retryAfter = retryAfterSecondsOf(body.code);
  if (retryAfter !== undefined) {
    response.setHeader('Retry-After', String(retryAfter));
  }
  response.status(body.statusCode).json(body);
}

export function toErrorBody(error: unknown, requestId: string): ErrorBody {
  const domainError = error instanceof DomainException ? error : DatabaseException.fromDriverError(error);
  if (domainError) {
    const domain = domainError as DomainException<KizunaErrorCode>;
    const statusCode = httpStatusOf(domain.code);
    if (statusCode === 500) {
      return { statusCode, code: domain.code, message: 'Internal server error', requestId };
    }
    return {
      statusCode,
      code: domain.code,
      message: domain.message,
      ...(domain.details === undefined ? {} : { details: domain.details }),
      requestId,
    };
  }
  const parserError = bodyParserError(error);
  if (parserError) {
    return { ...parserError, requestId };
  }
  if (error instanceof HttpException) {
    const statusCode: number = error.getStatus();
    const code =
      statusCode === (HttpStatus.NOT_FOUND as number) ? RequestErrorCode.RouteNotFound : `HTTP_${statusCode}`;
    return { statusCode, code, message: statusCode >= 500 ? 'Internal server error' : error.message, requestId };
  }
  return { statusCode: 500, code: 'INTERNAL_ERROR', message: 'Internal server error', requestId };
}

/** Errors raised by Express' body parser before any handler runs. */
function bodyParserError(error: unknown): Omit<ErrorBody, 'requestId'> | undefined {
  const candidates = [error, (error as { cause?: unknown } | null)?.cause];
  for (const e of candidates) {
    const type = (e as { type?: unknown } | null)?.type;
    if (type === 'entity.parse.failed') {
      return {
        statusCode: 400,
        code: RequestErrorCode.MalformedJson,
        message: `Malformed JSON body: ${(e as Error).message}`,
      };
    }
    if (type === 'entity.too.large') {
      const limit = (e as { limit?: number }).limit;
      return {
        statusCode: 413,
        code: RequestErrorCode.PayloadTooLarge,
        message: `The body is larger than the limit${limit ? ` of ${limit} bytes` : ''}`,
      };
    }
    if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
      return { statusCode: 415, code: RequestErrorCode.UnsupportedMediaType, message: (e as Error).message };
    }
  }
  return undefined;
}
