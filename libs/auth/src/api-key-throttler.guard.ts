import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { Response } from 'express';
import type { AuthenticatedRequest } from './api-key.guard';
import { rateLimited } from './rate-limited';

/**
 * The per-key request limit (RATE_LIMIT_KEY_REQUESTS per RATE_LIMIT_KEY_WINDOW_SECONDS), by
 * @nestjs/throttler with its in-process storage. Registered after ApiKeyGuard, so it sees the
 * principal that guard set: requests without one (public and signed routes, and every refused
 * request) are not counted here; failed authentications have their own limit (FailedAuthLimiter).
 * One count per key across all its routes; answers carry X-RateLimit-Limit/-Remaining/-Reset.
 */
@Injectable()
export class ApiKeyThrottlerGuard extends ThrottlerGuard {
  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    return Promise.resolve(request.principal === undefined);
  }

  protected override getTracker(req: AuthenticatedRequest): Promise<string> {
    return Promise.resolve(req.principal!.keyId);
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return `api-key:${name}:${tracker}`;
  }

  protected override throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw rateLimited(context.switchToHttp().getResponse<Response>(), 'api-key', detail.timeToBlockExpire);
  }
}
