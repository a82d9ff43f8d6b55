import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ACCESS_METADATA, type RouteAccess } from './access.decorator';
import { ApiKeyService, type Principal } from './api-key.service';
import { AuthErrorCode, AuthException } from './auth.exception';
import { Role } from './role';

export type AuthenticatedRequest = Request & { principal?: Principal };

/**
 * The global guard. Fails closed: a route without an access declaration is refused, whatever
 * the caller presents.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeyService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(ACCESS_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!access) {
      throw new AuthException(
        AuthErrorCode.RouteAccessUndeclared,
        `Route ${context.getClass().name}.${context.getHandler().name} declares no access rule`,
      );
    }
    if (access.kind !== 'roles') {
      return true; // public, or verified by the route's own signature guard
    }
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const secret = presentedKey(request.headers.authorization);
    if (!secret) {
      throw new AuthException(
        AuthErrorCode.Unauthenticated,
        'An API key is required: send "Authorization: Bearer <key>"',
      );
    }
    const principal = await this.apiKeys.verify(secret);
    if (!principal) {
      throw new AuthException(AuthErrorCode.Unauthenticated, 'The API key is unknown or revoked');
    }
    if (principal.role !== Role.Admin && !access.roles.includes(principal.role)) {
      throw new AuthException(
        AuthErrorCode.Forbidden,
        `This route needs one of the roles ${[...access.roles, Role.Admin].join(', ')}; the key has "${principal.role}"`,
      );
    }
    request.principal = principal;
    return true;
  }
}

/**
 * `Bearer <key>`, or `Basic base64(<key>:)` as the Segment libraries send their write key.
 */
export function presentedKey(header: string | undefined): string | undefined {
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
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const user = decoded.split(':', 1)[0];
    return user || undefined;
  }
  return undefined;
}
