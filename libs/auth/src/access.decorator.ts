import { SetMetadata } from '@nestjs/common';
import type { Role } from './role';

export const ACCESS_METADATA = 'kizuna:access';
export const BASIC_AUTH_METADATA = 'kizuna:basic-auth';

/**
 * Who may call a route. Every route must declare one; the global guard refuses routes that
 * don't, so nothing is open by accident.
 */
export type RouteAccess =
  /**
   * An API key (Bearer; Basic only where AcceptBasicAuth says so) or a console session with one
   * of these roles; admin always passes.
   */
  | { kind: 'roles'; roles: Role[] }
  /** A signed-in console user, whatever their role: their own session and account. No API key. */
  | { kind: 'session' }
  /** No credentials, on purpose; the reason is part of the declaration. */
  | { kind: 'public'; reason: string }
  /** No API key; the request proves itself with a signature that the route's own guard checks. */
  | { kind: 'signed'; scheme: string };

export const RequireRoles = (...roles: Role[]): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_METADATA, { kind: 'roles', roles } satisfies RouteAccess);

export const SessionRoute = (): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_METADATA, { kind: 'session' } satisfies RouteAccess);

export const PublicRoute = (reason: string): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_METADATA, { kind: 'public', reason } satisfies RouteAccess);

export const SignedRoute = (scheme: string): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_METADATA, { kind: 'signed', scheme } satisfies RouteAccess);

/**
 * Also take the key as HTTP Basic user name (`Basic base64(<key>:)`), as the Segment libraries
 * send their write key. Only where such senders need it: a browser remembers Basic credentials
 * and sends them by itself, which a console on the same origin must never meet on its routes.
 */
export const AcceptBasicAuth = (): MethodDecorator & ClassDecorator => SetMetadata(BASIC_AUTH_METADATA, true);
