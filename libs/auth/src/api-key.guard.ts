import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { normalizeIp } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { ACCESS_METADATA, BASIC_AUTH_METADATA, type RouteAccess } from './access.decorator';
import { ApiKeyService, type Principal } from './api-key.service';
import { ConsoleSessionService, CSRF_HEADER, isValidCsrfToken, sessionTokenFrom } from './console-session.service';
import { AuthErrorCode, AuthException } from './auth.exception';
import { FailedAuthLimiter } from './failed-auth.limiter';
import { rateLimited } from './rate-limited';
import { Role } from './role';

export type AuthenticatedRequest = Request & { principal?: Principal };

/**
 * The global guard: an API key or a console session (cookie), the same role rules for both.
 * Fails closed: a route without an access declaration is refused, whatever the caller presents.
 * Guards run before the request body is read (see the api's BodyParsingInterceptor), so a
 * request without a valid key or session costs no parsing.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeyService,
    private readonly failures: FailedAuthLimiter,
    private readonly sessions: ConsoleSessionService,
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
    if (access.kind === 'public' || access.kind === 'signed') {
      return true; // public, or verified by the route's own signature guard
    }
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    // An Authorization header means an API client: it is checked as a key even if the browser
    // it runs in also has a console cookie.
    const sessionToken = header ? undefined : sessionTokenFrom(request.headers.cookie);
    if (sessionToken !== undefined) {
      request.principal = await this.sessionPrincipal(request, sessionToken);
    } else if (access.kind === 'session') {
      throw new AuthException(
        AuthErrorCode.Unauthenticated,
        'Sign in to the console first: this route takes no API key',
      );
    } else {
      request.principal = await this.keyPrincipal(request, http.getResponse<Response>(), targets);
    }
    if (access.kind === 'roles') {
      assertRole(request.principal, access.roles);
    }
    return true;
  }

  private async keyPrincipal(
    request: AuthenticatedRequest,
    response: Response,
    targets: Parameters<Reflector['getAllAndOverride']>[1],
  ): Promise<Principal> {
    const acceptBasic = this.reflector.getAllAndOverride<boolean | undefined>(BASIC_AUTH_METADATA, targets) === true;
    const header = request.headers.authorization;
    const secret = presentedKey(header, { basic: acceptBasic });
    if (!secret) {
      throw new AuthException(
        AuthErrorCode.Unauthenticated,
        !acceptBasic && presentedKey(header, { basic: true })
          ? 'HTTP Basic is accepted only by the Segment routes (/v1/track, /v1/identify, /v1/batch): send "Authorization: Bearer <key>"'
          : 'An API key is required: send "Authorization: Bearer <key>" (or sign in to the console)',
      );
    }
    const address = clientAddress(request);
    const blockedFor = this.failures.retryAfterSeconds(address);
    if (blockedFor > 0) {
      throw rateLimited(response, 'authentication-failures', blockedFor);
    }
    const principal = await this.apiKeys.verify(secret);
    if (!principal) {
      const refusedFor = this.failures.recordFailure(address);
      if (refusedFor > 0) {
        throw rateLimited(response, 'authentication-failures', refusedFor);
      }
      throw new AuthException(AuthErrorCode.Unauthenticated, 'The API key is unknown or revoked');
    }
    return principal;
  }

  /**
   * A console session's principal. The session's 256-bit token cannot be guessed, so an unknown
   * one is an ended session, not an attack: it is not counted as a failed authentication.
   * Every request that may change something must carry the session's CSRF token.
   */
  private async sessionPrincipal(request: AuthenticatedRequest, token: string): Promise<Principal> {
    const session = await this.sessions.authenticate(token);
    if (!session) {
      throw new AuthException(AuthErrorCode.Unauthenticated, 'Your console session has ended: sign in again');
    }
    if (!SAFE_METHODS.has(request.method) && !isValidCsrfToken(token, request.header(CSRF_HEADER))) {
      throw new AuthException(
        AuthErrorCode.CsrfTokenInvalid,
        `A change made with the console's session needs its CSRF token in the ${CSRF_HEADER} header`,
      );
    }
    return {
      keyId: `user:${session.email}`,
      role: session.role,
      session: { userId: session.userId, email: session.email, token },
    };
  }
}

/** Methods that change nothing (RFC 9110 safe methods): no CSRF token needed. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function assertRole(principal: Principal, roles: Role[]): void {
  if (principal.role === Role.Admin || roles.includes(principal.role)) {
    return;
  }
  const needed = [...new Set([...roles, Role.Admin])];
  const who = principal.session ? 'your console user has' : 'this key has';
  throw new AuthException(
    AuthErrorCode.Forbidden,
    `This route needs ${needed.length === 1 ? 'the role' : 'one of the roles'} ${needed
      .map((role) => `"${role}"`)
      .join(', ')}; ${who} the role "${principal.role}"`,
    { keyRole: principal.role, requiredRoles: needed },
  );
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
