import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { normalizeIp } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { ACCESS_METADATA, BASIC_AUTH_METADATA, type RouteAccess } from './access.decorator';
import { ApiKeyService, type Principal } from './api-key.service';
import { AuthErrorCode, AuthException } from './auth.exception';
import { FailedAuthLimiter } from './failed-auth.limiter';
import { rateLimited } from './rate-limited';
import { Role } from './role';

export type AuthenticatedRequest = Request & { principal?: Principal };

/**
 * The global guard. Fails closed: a route without an access declaration is refused, whatever
 * the caller presents. Guards run before the request body is read (see the api's
 * BodyParsingInterceptor), so a request without a valid key costs no parsing.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeyService,
    private readonly failures: FailedAuthLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(ACCESS_METADATA, targets);
    if (!access) {
      throw new AuthException(
        AuthErrorCode.RouteAccessUndeclared,
        `Route ${context.getClass().name}.${context.getHandler().name} declares no access rule`,
      );
    }
    if (access.kind !== 'roles') {
      return true; // public, or verified by the route's own signature guard
    }
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const acceptBasic = this.reflector.getAllAndOverride<boolean | undefined>(BASIC_AUTH_METADATA, targets) === true;
    const header = request.headers.authorization;
    const secret = presentedKey(header, { basic: acceptBasic });
    if (!secret) {
      throw new AuthException(
        AuthErrorCode.Unauthenticated,
        !acceptBasic && presentedKey(header, { basic: true })
          ? 'HTTP Basic is accepted only by the Segment routes (/v1/track, /v1/identify, /v1/batch): send "Authorization: Bearer <key>"'
          : 'An API key is required: send "Authorization: Bearer <key>"',
      );
    }
    const address = clientAddress(request);
    const blockedFor = this.failures.retryAfterSeconds(address);
    if (blockedFor > 0) {
      throw rateLimited(http.getResponse<Response>(), 'authentication-failures', blockedFor);
    }
    const principal = await this.apiKeys.verify(secret);
    if (!principal) {
      const refusedFor = this.failures.recordFailure(address);
      if (refusedFor > 0) {
        throw rateLimited(http.getResponse<Response>(), 'authentication-failures', refusedFor);
      }
      throw new AuthException(AuthErrorCode.Unauthenticated, 'The API key is unknown or revoked');
    }
    if (principal.role !== Role.Admin && !access.roles.includes(principal.role)) {
      const needed = [...new Set([...access.roles, Role.Admin])];
      throw new AuthException(
        AuthErrorCode.Forbidden,
        `This route needs ${needed.length === 1 ? 'the role' : 'one of the roles'} ${needed
          .map((role) => `"${role}"`)
          .join(', ')}; this key has the role "${principal.role}"`,
        { keyRole: principal.role, requiredRoles: needed },
      );
    }
    request.principal = principal;
    return true;
  }
}

/**
 * The address failed authentications are counted under: the client as `trust proxy` (TRUST_PROXY)
 * resolves it, IPv6 grouped by /64 (one host usually holds a whole /64).
 */
export function clientAddress(request: Request): string {
  return normalizeIp(request.ip ?? request.socket.remoteAddress ?? 'unknown');
}

/**
 * `Bearer <key>`; with `basic`, also `Basic base64(<key>:)` as the Segment libraries send their
 * write key.
 */
export function presentedKey(header: string | undefined, accept: { basic: boolean }): string | undefined {
  if (!header) {
    return undefined;
  }
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!value) {
    return undefined;
  }
  if (scheme?.toLowerCase() === 'bearer') {
    return value;
  }
  if (accept.basic && scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const user = decoded.split(':', 1)[0];
    return user || undefined;
  }
  return undefined;
}
