import { DomainException } from '@kizuna/common';

export enum AuthErrorCode {
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  InvalidSignature = 'INVALID_SIGNATURE',
  SignatureNotConfigured = 'SIGNATURE_NOT_CONFIGURED',
  RouteAccessUndeclared = 'ROUTE_ACCESS_UNDECLARED',
  ApiKeyNotFound = 'API_KEY_NOT_FOUND',
  RateLimited = 'RATE_LIMITED',
  /** Console sign-in: unknown email, wrong password, or a disabled user (one answer for all). */
  InvalidCredentials = 'INVALID_CREDENTIALS',
  /** A state-changing request made with the console's cookie, without its CSRF token. */
  CsrfTokenInvalid = 'CSRF_TOKEN_INVALID',
  /** A setup or invitation link that is unknown, used, expired, or no longer applies. */
  LinkNotUsable = 'LINK_NOT_USABLE',
  UserNotFound = 'USER_NOT_FOUND',
  EmailTaken = 'EMAIL_TAKEN',
  /** The change would leave no enabled admin. */
  LastAdmin = 'LAST_ADMIN',
}

export class AuthException extends DomainException<AuthErrorCode> {}
